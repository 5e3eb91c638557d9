using System.Globalization;

namespace LiveVote.Server.Audit.Signing;

/// <summary>A checkpoint's text: which log, how many leaves, their root, and when it was signed.</summary>
public readonly record struct CheckpointBody(string Origin, long Size, Sha256Hash Root, long AtUnixMs);

/// <summary>
/// Signed tree heads in the C2SP tlog-checkpoint form (https://c2sp.org/tlog-checkpoint): the origin line, the tree size
/// in decimal, the root hash in standard base64, then one extension line <c>time {unix ms}</c> (when it was signed),
/// signed as a C2SP signed note (<see cref="SignedNotes"/>).
/// </summary>
public static class Checkpoints
{
    public const string TimeExtension = "time ";

    /// <summary>The origin of one log: <c>{prefix}/poll/{pollId}/{partition}.{chain}</c>.</summary>
    public static string Origin(string originPrefix, string pollId, int partition, int chain) =>
        string.Create(CultureInfo.InvariantCulture, $"{originPrefix}/poll/{pollId}/{partition}.{chain}");

    public static string Body(string origin, long size, in Sha256Hash root, long atUnixMs) =>
        string.Create(CultureInfo.InvariantCulture, $"{origin}\n{size}\n{Convert.ToBase64String(root.ToArray())}\n{TimeExtension}{atUnixMs}\n");

    /// <summary>Reads a checkpoint note's text (the signature is not checked here: <see cref="SignedNotes.TryVerify"/>).</summary>
    public static bool TryParse(string note, out CheckpointBody checkpoint)
    {
        checkpoint = default;
        var lines = SignedNotes.Body(note).Split('\n');
        if (lines.Length != 5 || lines[^1].Length != 0 || lines[0].Length == 0 ||
            !long.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size) ||
            !lines[3].StartsWith(TimeExtension, StringComparison.Ordinal) ||
            !long.TryParse(lines[3].AsSpan(TimeExtension.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var at))
        {
            return false;
        }

        Span<byte> root = stackalloc byte[Sha256Hash.Size];
        if (!Convert.TryFromBase64String(lines[2], root, out var written) || written != Sha256Hash.Size)
        {
            return false;
        }

        checkpoint = new CheckpointBody(lines[0], size, Sha256Hash.Read(root), at);
        return true;
    }
}
