namespace LiveVote.Cli.Audit.Logs;

/// <summary>One log a result statement counted: its size and root when the poll closed.</summary>
internal sealed record StatedLog(LogId Log, long Size, byte[] Root);

/// <summary>
/// A signed final result (docs/design.md 7.6), a <see cref="SignedNote"/> whose body reads
/// <c>{prefix}/poll/{pollId}/result</c>, <c>closed {unix ms}</c>, <c>total {n}</c>, one <c>option {id} {count}</c> per
/// option in the poll's order, one <c>log {partition}.{chain} {size} {base64 root}</c> per log of the poll, and
/// <c>time {unix ms}</c>.
/// </summary>
internal sealed record ResultStatement(
    SignedNote Note, string PollId, long ClosedUnixMs, long Total, IReadOnlyList<OptionRecount> Options, IReadOnlyList<StatedLog> Logs, long? AtUnixMs)
{
    public const string Suffix = "/result";

    /// <summary>A note is a result statement when its first line ends with "/result" (a checkpoint's ends with a log id).</summary>
    public static bool IsStatement(SignedNote note) => note.Body.AsSpan(0, note.Body.IndexOf('\n', StringComparison.Ordinal)).EndsWith(Suffix, StringComparison.Ordinal);

    public static bool TryParse(SignedNote note, out ResultStatement statement, out string error)
    {
        statement = null!;
        error = "";
        var lines = note.Body[..^1].Split('\n');
        if (!NoteText.TryParseOrigin(lines[0], out var pollId, out var last) || last != "result")
        {
            error = $"first line '{lines[0]}' is not {{prefix}}/poll/{{poll}}/result";
            return false;
        }

        long? closed = null, total = null, at = null;
        var options = new List<OptionRecount>();
        var logs = new List<StatedLog>();
        foreach (var line in lines[1..])
        {
            var words = line.Split(' ');
            switch (words[0])
            {
                case "closed" when words.Length == 2 && NoteText.TryParseLong(words[1], out var ms):
                    closed = ms;
                    break;
                case "total" when words.Length == 2 && NoteText.TryParseLong(words[1], out var n):
                    total = n;
                    break;
                case "time" when words.Length == 2 && NoteText.TryParseLong(words[1], out var signed):
                    at = signed;
                    break;
                case "option" when words.Length == 3 && NoteText.TryParseLong(words[2], out var count):
                    options.Add(new OptionRecount(words[1], count));
                    break;
                case "log" when words.Length == 4 && LogId.TryParseName(words[1], out var partition, out var chain)
                                && NoteText.TryParseLong(words[2], out var size) && NoteText.TryParseHash(words[3], out var root):
                    logs.Add(new StatedLog(new LogId(pollId, partition, chain), size, root));
                    break;
                default:
                    error = $"line '{line}' is not closed/total/option/log/time as a result statement has them";
                    return false;
            }
        }

        if (closed is null || total is null)
        {
            error = "a result statement has a closed and a total line";
            return false;
        }

        statement = new ResultStatement(note, pollId, closed.Value, total.Value, options, logs, at);
        return true;
    }
}
