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
        Figures(text, report, "");
        LogFigures(text, report.Logs);
        if (report.Ok)
        {
            LogsOk(text, report.Logs);
            Line(text, report.Chains is null
                ? "OK: the hash chain is intact, every vote matches its audit entry and every tally equals the recount."
                : "OK: every writer's hash chain is intact, every vote matches its audit entry and every tally equals the recount.");
            return text.ToString();
        }

        Failures(text, report.Problems, report.ProblemCount);
        var firstBad = report.Chains is null
            ? (report.FirstBadSeq is { } first ? $"seq {first}" : null)
            : report.FirstBadLocation;
        Line(text, firstBad is not null
            ? $"FAILED: {report.ProblemCount} problem(s); first bad {firstBad}."
            : $"FAILED: {report.ProblemCount} problem(s).");
        return text.ToString();
    }

    /// <summary>What was read and recounted in one store, each line after <paramref name="indent"/> (a partition's are indented).</summary>
    public static void Figures(StringBuilder text, VerifyReport report, string indent)
    {
        void Figure(string line) => Line(text, indent + line);

        Figure($"Database:    {report.Database}");
        if (report.Chains is { } chains)
        {
            // PostgreSQL: one chain per writer, each from seq 1; a chain may end early (its writer failed mid-commit).
            Figure($"Audit chains: {report.Entries} entries in {chains.Count} writer chain(s)");
            foreach (var chain in chains)
            {
                Figure($"  chain {chain.Writer}: seq 1..{chain.HeadSeq}, head {chain.HeadHash}");
            }

            Figure($"Entry kinds: {string.Join(", ", report.EntriesByKind.Select(k => $"{k.Kind} {k.Entries}"))}");
        }
        else
        {
            Figure(report.Entries == 0
                ? "Audit chain: 0 entries"
                : $"Audit chain: {report.Entries} entries, seq 1..{report.HeadSeq}");
            Figure($"Entry kinds: {string.Join(", ", report.EntriesByKind.Select(k => $"{k.Kind} {k.Entries}"))}");
            Figure($"Head hash:   {report.HeadHash}");
        }

        Figure($"Votes:       {report.Votes} in the audit chain, {report.VoteRows} rows in the votes table");
        Figure($"Polls:       {report.Polls.Count}");
        foreach (var poll in report.Polls)
        {
            Figure($"  {poll.Id} \"{poll.Title}\" ({poll.Status}): {poll.Votes} votes");
            var width = poll.Options.Count == 0 ? 0 : poll.Options.Max(o => o.Id.Length);
            foreach (var option in poll.Options)
            {
                Figure($"    {option.Id.PadRight(width)}  {option.Votes}");
            }
        }
    }

    /// <summary>The Merkle logs recomputed (one line each) and what they were held to, then one WARN line per warning.</summary>
    public static void LogFigures(StringBuilder text, Logs.LogsSummary? logs)
    {
        if (logs is null)
        {
            return;
        }

        Line(text, $"Merkle logs: {logs.Logs.Count} recomputed from the entries (RFC 9162); {logs.SignedHeads} signed head(s) "
                   + $"({logs.HeadsGiven} from --heads), {logs.Statements} result statement(s), {logs.Receipts} receipt(s), {logs.Keys} key(s)");
        foreach (var log in logs.Logs)
        {
            var signed = log.LatestSignedSize is { } size ? $"latest signed head {size}" : "no signed head";
            Line(text, $"  poll {log.PollId} log {log.Log}: {log.Size} leaves, root {log.Root}, {signed}");
        }

        foreach (var warning in logs.Warnings)
        {
            Line(text, $"WARN: {warning}");
        }
    }

    /// <summary>The verdict on the logs, after the store's OK line.</summary>
    public static void LogsOk(StringBuilder text, Logs.LogsSummary? logs)
    {
        if (logs is not null)
        {
            Line(text, $"OK: every Merkle log recomputed from the entries matches its {logs.SignedHeads} signed head(s) and holds every leaf they cover; "
                       + $"{logs.Statements} signed result(s) equal the recount; {logs.Receipts} receipt(s) found where the viewers were told.");
        }
    }

    /// <summary>One FAIL line per listed problem, and how many more were found.</summary>
    public static void Failures(StringBuilder text, IReadOnlyList<VerifyProblem> problems, long problemCount)
    {
        foreach (var problem in problems)
        {
            Line(text, $"FAIL: {problem}");
        }

        if (problemCount > problems.Count)
        {
            Line(text, $"... and {problemCount - problems.Count} more problems not listed.");
        }
    }

    public static string Json(VerifyReport report) =>
        JsonSerializer.Serialize(report, VerifyJsonContext.Default.VerifyReport);

    public static void Line(StringBuilder text, string line) => text.Append(line).Append('\n');
}

/// <summary>Source-generated JSON for <c>audit verify --json</c> (camelCase, indented).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(VerifyReport))]
[JsonSerializable(typeof(ChainSummary))]
[JsonSerializable(typeof(Fleet.FleetVerifyReport))]
internal sealed partial class VerifyJsonContext : JsonSerializerContext;
