using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LiveVote.Cli.Audit;

/// <summary>Writes a <see cref="VerifyReport"/> for people (a summary, then one FAIL line per problem) or as JSON.</summary>
internal static class VerifyReportWriter
{
    public static string Text(VerifyReport report)
    {
        var text = new StringBuilder();
        Line(text, "LiveVote audit verify");
        Line(text, $"Database:    {report.Database}");
        if (report.Chains is { } chains)
        {
            // PostgreSQL: one chain per writer, each from seq 1; a chain may end early (its writer failed mid-commit).
            Line(text, $"Audit chains: {report.Entries} entries in {chains.Count} writer chain(s)");
            foreach (var chain in chains)
            {
                Line(text, $"  chain {chain.Writer}: seq 1..{chain.HeadSeq}, head {chain.HeadHash}");
            }

            Line(text, $"Entry kinds: {string.Join(", ", report.EntriesByKind.Select(k => $"{k.Kind} {k.Entries}"))}");
        }
        else
        {
            Line(text, report.Entries == 0
                ? "Audit chain: 0 entries"
                : $"Audit chain: {report.Entries} entries, seq 1..{report.HeadSeq}");
            Line(text, $"Entry kinds: {string.Join(", ", report.EntriesByKind.Select(k => $"{k.Kind} {k.Entries}"))}");
            Line(text, $"Head hash:   {report.HeadHash}");
        }

        Line(text, $"Votes:       {report.Votes} in the audit chain, {report.VoteRows} rows in the votes table");
        Line(text, $"Polls:       {report.Polls.Count}");
        foreach (var poll in report.Polls)
        {
            Line(text, $"  {poll.Id} \"{poll.Title}\" ({poll.Status}): {poll.Votes} votes");
            var width = poll.Options.Count == 0 ? 0 : poll.Options.Max(o => o.Id.Length);
            foreach (var option in poll.Options)
            {
                Line(text, $"    {option.Id.PadRight(width)}  {option.Votes}");
            }
        }

        if (report.Ok)
        {
            Line(text, report.Chains is null
                ? "OK: the hash chain is intact, every vote matches its audit entry and every tally equals the recount."
                : "OK: every writer's hash chain is intact, every vote matches its audit entry and every tally equals the recount.");
            return text.ToString();
        }

        foreach (var problem in report.Problems)
        {
            Line(text, $"FAIL: {problem}");
        }

        if (report.ProblemCount > report.Problems.Count)
        {
            Line(text, $"... and {report.ProblemCount - report.Problems.Count} more problems not listed.");
        }

        var firstBad = report.Chains is null
            ? (report.FirstBadSeq is { } first ? $"seq {first}" : null)
            : report.FirstBadLocation;
        Line(text, firstBad is not null
            ? $"FAILED: {report.ProblemCount} problem(s); first bad {firstBad}."
            : $"FAILED: {report.ProblemCount} problem(s).");
        return text.ToString();
    }

    public static string Json(VerifyReport report) =>
        JsonSerializer.Serialize(report, VerifyJsonContext.Default.VerifyReport);

    private static void Line(StringBuilder text, string line) => text.Append(line).Append('\n');
}

/// <summary>Source-generated JSON for <c>audit verify --json</c> (camelCase, indented).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(VerifyReport))]
[JsonSerializable(typeof(ChainSummary))]
internal sealed partial class VerifyJsonContext : JsonSerializerContext;
