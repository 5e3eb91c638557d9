using System.Globalization;
using System.Text;

namespace LiveVote.Cli.Loadgen;

/// <summary>The human-readable summary of a run, written beside the JSON result.</summary>
internal static class MarkdownSummary
{
    public static string Render(LoadReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.AppendLine(inv, $"# Load run: {(report.Baseline ? "baseline" : report.Mode)}-loop against {report.Url}");
        text.AppendLine();
        var rate = report.Mode == "open" ? string.Create(inv, $"target {report.TargetRate:N0} votes/s, ") : "";
        var early = report.ViewersExhausted ? " (stopped early: every viewer had voted)" : "";
        text.AppendLine(inv, $"- {report.Connections} connections, {rate}{report.DurationSeconds:F1} s{early}");
        text.AppendLine(inv, $"- answered {report.Answered:N0}, accepted first votes {report.Accepted:N0} (totals include any warm-up); measured: {report.AnsweredPerSecond:N0} answers/s, {report.AcceptedPerSecond:N0} accepted/s");
        text.AppendLine(inv, $"- injected: {report.DuplicatesAnswered200:N0} retries answered 200, {report.SecondVotesAnswered409:N0} second votes answered 409; " +
                             $"{report.RetriesAfter503:N0} retries after 503, {report.TransportErrors:N0} transport errors");
        text.AppendLine(inv, $"- status codes: {string.Join(", ", report.ByStatus.Select(p => $"{p.Key}: {p.Value:N0}"))}");
        text.AppendLine(inv, $"- answers outside 2xx/409/503-with-Retry-After: {report.UnexpectedAnswers:N0}; transport errors (retried, not lost): {report.TransportErrors:N0}");
        if (report.PollId is not null)
        {
            text.AppendLine(inv, $"- poll {report.PollId} {(report.PollClosed ? "closed at the end" : "left open")}");
        }

        text.AppendLine();
        text.AppendLine("| latency (ms) | count | p50 | p90 | p99 | p99.9 | max |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        Row(text, "write (POST vote)", report.WriteLatency);
        Row(text, "results read (GET)", report.ResultsReadLatency);
        Row(text, "vote to visible (SSE)", report.VoteToVisibleLatency);
        text.AppendLine();
        text.AppendLine("| check | result | detail |");
        text.AppendLine("| --- | --- | --- |");
        foreach (var check in report.Checks)
        {
            text.AppendLine(inv, $"| {check.Name} | {(check.Passed ? "pass" : "**FAIL**")} | {check.Detail} |");
        }

        foreach (var surprise in report.Surprises)
        {
            text.AppendLine(inv, $"- unexpected: {surprise}");
        }

        text.AppendLine();
        text.AppendLine(report.Passed ? "All checks passed." : "**Some checks failed.**");
        return text.ToString();
    }

    private static void Row(StringBuilder text, string name, LatencySummary l) =>
        text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {l.Count:N0} | {l.P50Ms:F2} | {l.P90Ms:F2} | {l.P99Ms:F2} | {l.P999Ms:F2} | {l.MaxMs:F2} |");
}
