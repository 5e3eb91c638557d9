using System.Globalization;

namespace LiveVote.Cli.Audit.Logs;

/// <summary>The small pieces of text the signed notes share: origins, numbers, base64 hashes, times.</summary>
internal static class NoteText
{
    private const string PollSegment = "/poll/";

    /// <summary>Splits "{prefix}/poll/{pollId}/{last}" (the prefix is the server's LiveVote:Audit:Origin).</summary>
    public static bool TryParseOrigin(string origin, out string pollId, out string last)
    {
        pollId = last = "";
        var poll = origin.LastIndexOf(PollSegment, StringComparison.Ordinal);
        var slash = origin.LastIndexOf('/');
        if (poll <= 0 || slash <= poll + PollSegment.Length)
        {
            return false;
        }

        pollId = origin[(poll + PollSegment.Length)..slash];
        last = origin[(slash + 1)..];
        return pollId.Length > 0 && last.Length > 0;
    }

    public static bool TryParseLong(string text, out long value) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    public static bool TryParseHash(string text, out byte[] hash)
    {
        hash = [];
        try
        {
            hash = Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return false;
        }

        return hash.Length == MerkleHashing.HashSize;
    }

    /// <summary>Unix milliseconds as an ISO 8601 UTC time, as the report prints every time.</summary>
    public static string Time(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(unixMs, 0, 253402300799999L)).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}
