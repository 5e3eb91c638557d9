using System.Diagnostics;
using System.Diagnostics.Metrics;
using LiveVote.Server.Ingest;

namespace LiveVote.Server.Telemetry;

/// <summary>
/// The server's one ActivitySource and one Meter (named <c>LiveVote.Server</c>), with OpenTelemetry-style names and
/// units. Instruments are static so the hot path pays one call, no lookup.
/// </summary>
public static class Metrics
{
    public const string Name = "LiveVote.Server";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Votes = Meter.CreateCounter<long>(
        "livevote.votes", "{vote}", "Votes answered, by outcome.");

    private static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>(
        "livevote.batch.size", "{vote}", "Votes per group commit.",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] });

    private static readonly Histogram<double> CommitDuration = Meter.CreateHistogram<double>(
        "livevote.batch.commit.duration", "s", "Time to commit one batch durably.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });

    private static readonly Counter<long> StoreErrors = Meter.CreateCounter<long>(
        "livevote.store.errors", "{error}", "Failed store commits.");

    private static readonly KeyValuePair<string, object?>[][] OutcomeTags =
        [.. Enum.GetValues<VoteOutcome>().Select(o => new[] { new KeyValuePair<string, object?>("outcome", OutcomeName(o)) })];

    public static void VoteDecided(VoteOutcome outcome) => Votes.Add(1, OutcomeTags[(int)outcome]);

    public static void VoteRefused(string reason) => Votes.Add(1, new KeyValuePair<string, object?>("outcome", reason));

    public static void BatchCommitted(int votes, TimeSpan duration)
    {
        BatchSize.Record(votes);
        CommitDuration.Record(duration.TotalSeconds);
    }

    public static void StoreError() => StoreErrors.Add(1);

    public static string OutcomeName(VoteOutcome outcome) => outcome switch
    {
        VoteOutcome.Accepted => "accepted",
        VoteOutcome.Duplicate => "duplicate",
        VoteOutcome.AlreadyVoted => "already-voted",
        VoteOutcome.PollNotOpen => "poll-not-open",
        VoteOutcome.StoreFailed => "store-failed",
        _ => "unknown",
    };
}
