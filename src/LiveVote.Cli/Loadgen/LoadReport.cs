using System.Text.Json;
using System.Text.Json.Serialization;

namespace LiveVote.Cli.Loadgen;

/// <summary>One second of the run: the over-time series the chart draws.</summary>
internal sealed record SeriesPoint(int Second, long Answered, double WriteP50Ms, double WriteP99Ms, double WriteMaxMs, double ResultsReadP99Ms, double VisibleP99Ms);

/// <summary>Everything one load run measured and checked; written as the JSON result file.</summary>
internal sealed record LoadReport(
    string Mode,
    bool Baseline,
    string Url,
    string? PollId,
    int Connections,
    double TargetRate,
    double DurationSeconds,
    int Viewers,
    int Options,
    double DuplicateShare,
    double SecondVoteShare,
    bool ViewersExhausted,
    long Answered,
    double AnsweredPerSecond,
    long Accepted,
    double AcceptedPerSecond,
    long DuplicatesAnswered200,
    long SecondVotesAnswered409,
    long RetriesAfter503,
    long TransportErrors,
    IReadOnlyDictionary<string, long> ByStatus,
    LatencySummary WriteLatency,
    LatencySummary ResultsReadLatency,
    LatencySummary VoteToVisibleLatency,
    long ResultsReadErrors,
    long StreamEvents,
    long? ResultsTotal,
    long? AuditVoteEntries,
    IReadOnlyList<SeriesPoint> Series,
    IReadOnlyList<CheckResult> Checks,
    IReadOnlyList<string> Surprises,
    bool Passed)
{
    /// <summary>HTTP answers to votes other than 2xx, 409, or 503 with Retry-After (the <c>answers</c> check); transport errors are <see cref="TransportErrors"/>.</summary>
    public long UnexpectedAnswers { get; init; }

    /// <summary>Whether the run closed the poll it opened (false with <c>--keep-open</c>, in the baseline, or when the close failed).</summary>
    public bool PollClosed { get; init; }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(LoadReport))]
internal sealed partial class LoadgenJsonContext : JsonSerializerContext;
