using System.Globalization;
using System.Text.Json;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// One failover run's outage figures (seconds on the load's clock), printed by the test and, when the environment
/// variable LIVEVOTE_FAILOVER_FIGURES names a file, appended to it as one JSON line (bench/failover.sh collects
/// them into medians). Never asserted: they depend on the machine's load.
/// </summary>
public sealed record FailoverFigures(
    string Scenario,
    double BootSeconds,
    double SecondsWithoutPrimary,
    double SecondsToFirst201,
    double LongestGapWithout201,
    double VotesPerSecondBefore,
    double VotesPerSecondDuring,
    double VotesPerSecondAfter,
    int Answers,
    int Retried,
    int Interim503,
    int InterimNoAnswer)
{
    public const string FileVariable = "LIVEVOTE_FAILOVER_FIGURES";

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Scenario}: boot {BootSeconds:F1}s; {SecondsWithoutPrimary:F2}s without a primary; first 201 after the kill at +{SecondsToFirst201:F2}s; " +
        $"longest stretch without a 201 {LongestGapWithout201:F2}s; votes/s before {VotesPerSecondBefore:F0}, during {VotesPerSecondDuring:F0}, after {VotesPerSecondAfter:F0}; " +
        $"{Answers} answers, {Retried} needed retries, {Interim503} x 503 and {InterimNoAnswer} x no answer on the way");

    public void AppendIfRequested()
    {
        var path = Environment.GetEnvironmentVariable(FileVariable);
        if (string.IsNullOrEmpty(path))
        {
            return;
        }

        var line = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["scenario"] = Scenario,
            ["at"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["boot_s"] = Math.Round(BootSeconds, 2),
            ["without_primary_s"] = Math.Round(SecondsWithoutPrimary, 2),
            ["first_201_s"] = Math.Round(SecondsToFirst201, 2),
            ["longest_no_201_s"] = Math.Round(LongestGapWithout201, 2),
            ["votes_per_s_before"] = Math.Round(VotesPerSecondBefore, 1),
            ["votes_per_s_during"] = Math.Round(VotesPerSecondDuring, 1),
            ["votes_per_s_after"] = Math.Round(VotesPerSecondAfter, 1),
            ["answers"] = Answers,
            ["retried"] = Retried,
            ["interim_503"] = Interim503,
            ["interim_no_answer"] = InterimNoAnswer,
        });
        File.AppendAllText(path, line + "\n");
    }
}
