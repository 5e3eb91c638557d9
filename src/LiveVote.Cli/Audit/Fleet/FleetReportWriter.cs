using System.Text;
using System.Text.Json;

namespace LiveVote.Cli.Audit.Fleet;

/// <summary>
/// Writes a <see cref="FleetVerifyReport"/> for people: each partition's figures under its own heading (as a single
/// store's, indented), the fleet map, the placement pass and the fleet totals; then one WARN line per warning, one FAIL
/// line per problem (each naming its partition) and the verdict. Or as JSON (per-partition and summed figures).
/// </summary>
internal static class FleetReportWriter
{
    public static string Text(FleetVerifyReport report)
    {
        var text = new StringBuilder();
        Line(text, "LiveVote audit verify");
        Line(text, $"Fleet:       {report.Partitions.Count} partitions (clusters), partition 0 first");
        Line(text, report.ClusterMap.Count == 0 ? "Fleet map:   (none recorded)" : $"Fleet map:   {string.Join(',', report.ClusterMap)}");
        foreach (var partition in report.Partitions)
        {
            Line(text, $"Partition {partition.Partition}:");
            Line(text, partition.ClusterId is null
                ? "  Cluster:     (identity unreadable)"
                : $"  Cluster:     {partition.ClusterId}, recorded as partition {partition.RecordedPartitionIndex?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)"}");
            VerifyReportWriter.Figures(text, partition.Report, "  ");
        }

        Line(text, $"Placement:   {report.PlacedVoteRows} votes rows, each checked against the partition its voter key maps to");
        Line(text, $"Fleet totals (sum of the partitions' recounts): {report.Polls.Count} poll(s)");
        foreach (var poll in report.Polls)
        {
            var shares = string.Join(", ", poll.Partitions.Select(p => $"partition {p.Partition}: {p.Votes}"));
            Line(text, $"  {poll.Id} \"{poll.Title}\" ({poll.Status}): {poll.Votes} votes ({shares})");
            var width = poll.Options.Count == 0 ? 0 : poll.Options.Max(o => o.Id.Length);
            foreach (var option in poll.Options)
            {
                Line(text, $"    {option.Id.PadRight(width)}  {option.Votes}");
            }
        }

        VerifyReportWriter.LogFigures(text, report.Logs);
        foreach (var warning in report.Warnings)
        {
            Line(text, $"WARN: {warning}");
        }

        if (report.Ok)
        {
            Line(text, "OK: every partition's writer chains are intact, every vote matches its audit entry and every tally equals the recount; "
                       + "the clusters are the fleet's in map order, share every poll, and hold each voter in its own partition only.");
            VerifyReportWriter.LogsOk(text, report.Logs);
            return text.ToString();
        }

        VerifyReportWriter.Failures(text, report.Problems, report.ProblemCount);
        Line(text, report.FirstBadLocation is { } firstBad
            ? $"FAILED: {report.ProblemCount} problem(s); first bad {firstBad}."
            : $"FAILED: {report.ProblemCount} problem(s).");
        return text.ToString();
    }

    public static string Json(FleetVerifyReport report) =>
        JsonSerializer.Serialize(report, VerifyJsonContext.Default.FleetVerifyReport);

    private static void Line(StringBuilder text, string line) => VerifyReportWriter.Line(text, line);
}
