using System.Globalization;

namespace LiveVote.Cli.Audit.Logs;

/// <summary>
/// A signed tree head: a C2SP tlog-checkpoint body (https://c2sp.org/tlog-checkpoint) in a <see cref="SignedNote"/>:
/// <c>{origin}\n{size}\n{base64 root}\n</c> then extension lines, of which LiveVote writes <c>time {unix ms}</c>. The
/// origin is <c>{prefix}/poll/{pollId}/{partition}.{chain}</c>.
/// </summary>
internal sealed record LogCheckpoint(SignedNote Note, string Origin, LogId Log, long Size, byte[] Root, long? AtUnixMs)
{
    /// <summary>What identifies a head whatever the note's bytes around it: the same log, size, root and time.</summary>
    public (LogId Log, long Size, string Root, long? At) Key => (Log, Size, Convert.ToBase64String(Root), AtUnixMs);

    public string Describe() =>
        AtUnixMs is { } at
            ? $"signed head of size {Size} at {NoteText.Time(at)}"
            : $"signed head of size {Size}";

    public static bool TryParse(SignedNote note, out LogCheckpoint checkpoint, out string error)
    {
        checkpoint = null!;
        var lines = note.Body[..^1].Split('\n');
        if (lines.Length < 3)
        {
            error = "a checkpoint has an origin, a size and a root line";
            return false;
        }

        if (!NoteText.TryParseOrigin(lines[0], out var pollId, out var logName) || !LogId.TryParseName(logName, out var partition, out var chain))
        {
            error = $"origin '{lines[0]}' is not {{prefix}}/poll/{{poll}}/{{partition}}.{{chain}}";
            return false;
        }

        if (!long.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size))
        {
            error = $"size '{lines[1]}' is not a non-negative decimal number";
            return false;
        }

        if (!NoteText.TryParseHash(lines[2], out var root))
        {
            error = $"root '{lines[2]}' is not a base64 SHA-256 hash";
            return false;
        }

        long? at = null;
        foreach (var extension in lines[3..])
        {
            if (extension.StartsWith("time ", StringComparison.Ordinal))
            {
                at = NoteText.TryParseLong(extension[5..], out var ms) ? ms : null;
            }
        }

        checkpoint = new LogCheckpoint(note, lines[0], new LogId(pollId, partition, chain), size, root, at);
        error = "";
        return true;
    }
}
