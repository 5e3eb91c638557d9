using System.Globalization;
using System.Text;
using LiveVote.Server.Audit;
using LiveVote.Server.Polls;

namespace LiveVote.Server.Results.Final;

/// <summary>
/// The body of a poll's signed result statement (docs/design.md 7.6), signed as a C2SP signed note with the audit key:
/// <code>
/// {origin}/poll/{pollId}/result
/// closed {unix ms}
/// total {n}
/// option {optionId} {count}           one per option, in the poll's option order
/// log {partition}.{chain} {size} {base64 root}   one per log of the poll, by partition then chain
/// time {unix ms of signing}
/// </code>
/// Every line ends with <c>\n</c>. Option ids are slugs and origins have no spaces, so lines split on spaces.
/// </summary>
internal static class ResultStatement
{
    public static string Body(
        string origin, Poll poll, long closedAtUnixMs, IReadOnlyList<long> totals, IEnumerable<StatementLog> logs, long signedAtUnixMs)
    {
        var body = new StringBuilder();
        body.Append(CultureInfo.InvariantCulture, $"{origin}/poll/{poll.Id}/result\n");
        body.Append(CultureInfo.InvariantCulture, $"closed {closedAtUnixMs}\n");
        body.Append(CultureInfo.InvariantCulture, $"total {totals.Sum()}\n");
        for (var i = 0; i < poll.Options.Length; i++)
        {
            body.Append(CultureInfo.InvariantCulture, $"option {poll.Options[i].Id} {totals[i]}\n");
        }

        foreach (var log in logs.OrderBy(l => l.Partition).ThenBy(l => l.Chain))
        {
            body.Append(CultureInfo.InvariantCulture, $"log {log.Partition}.{log.Chain} {log.Size} {Convert.ToBase64String(log.Root.ToArray())}\n");
        }

        body.Append(CultureInfo.InvariantCulture, $"time {signedAtUnixMs}\n");
        return body.ToString();
    }

    /// <summary>
    /// Reads the figures back from a signed note (the text before its blank line); the signature is not checked here.
    /// False when the text is not a result statement.
    /// </summary>
    public static bool TryParse(string note, out ParsedStatement statement)
    {
        statement = null!;
        var end = note.IndexOf("\n\n", StringComparison.Ordinal);
        var lines = (end < 0 ? note : note[..(end + 1)]).Split('\n');
        if (lines.Length < 4 || !lines[0].EndsWith("/result", StringComparison.Ordinal))
        {
            return false;
        }

        var totals = new List<KeyValuePair<string, long>>();
        var logs = new List<StatementLog>();
        long? closed = null, total = null, time = null;
        foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
        {
            var parts = line.Split(' ');
            switch (parts[0])
            {
                case "closed" when parts.Length == 2 && TryLong(parts[1], out var c):
                    closed = c;
                    break;
                case "total" when parts.Length == 2 && TryLong(parts[1], out var t):
                    total = t;
                    break;
                case "time" when parts.Length == 2 && TryLong(parts[1], out var s):
                    time = s;
                    break;
                case "option" when parts.Length == 3 && TryLong(parts[2], out var count):
                    totals.Add(new(parts[1], count));
                    break;
                case "log" when parts.Length == 4 && TryLog(parts, out var log):
                    logs.Add(log);
                    break;
                default:
                    return false;
            }
        }

        if (closed is null || total is null || time is null)
        {
            return false;
        }

        statement = new ParsedStatement(closed.Value, total.Value, totals, logs, time.Value);
        return true;
    }

    private static bool TryLong(string text, out long value) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static bool TryLog(string[] parts, out StatementLog log)
    {
        log = default;
        var id = parts[1].Split('.');
        var root = new byte[Sha256Hash.Size];
        if (id.Length != 2 || !int.TryParse(id[0], NumberStyles.None, CultureInfo.InvariantCulture, out var partition)
            || !int.TryParse(id[1], NumberStyles.None, CultureInfo.InvariantCulture, out var chain) || !TryLong(parts[2], out var size)
            || !Convert.TryFromBase64String(parts[3], root, out var written) || written != Sha256Hash.Size)
        {
            return false;
        }

        log = new StatementLog(partition, chain, size, Sha256Hash.Read(root));
        return true;
    }
}

/// <summary>One <c>log</c> line of a statement: the log id <c>{partition}.{chain}</c>, its size and its root at close.</summary>
internal readonly record struct StatementLog(int Partition, int Chain, long Size, Sha256Hash Root);

/// <summary>A statement's figures: the option totals in statement order.</summary>
internal sealed record ParsedStatement(
    long ClosedAtUnixMs, long Total, IReadOnlyList<KeyValuePair<string, long>> Totals, IReadOnlyList<StatementLog> Logs, long SignedAtUnixMs);
