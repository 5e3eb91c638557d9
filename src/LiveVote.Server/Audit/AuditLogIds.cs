using System.Globalization;

namespace LiveVote.Server.Audit;

/// <summary>
/// The text id of a Merkle log, <c>"{partition}.{chain}"</c> (docs/design.md, 7.6): SQLite's one log per poll is "0.0";
/// with PostgreSQL a poll has one log per writer chain in each cluster it is spread over, e.g. "1.7".
/// </summary>
public static class AuditLogIds
{
    /// <summary>SQLite's only log id, and the first log of a cluster-less test: not formatted per vote.</summary>
    public const string First = "0.0";

    public static string Format(int partition, int chain) =>
        partition == 0 && chain == 0 ? First : string.Create(CultureInfo.InvariantCulture, $"{partition}.{chain}");

    /// <summary>Parses "P.C" (two non-negative decimal integers, nothing else).</summary>
    public static bool TryParse(string? text, out int partition, out int chain)
    {
        partition = chain = 0;
        var dot = text?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        return dot > 0 &&
               int.TryParse(text.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out partition) &&
               int.TryParse(text.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out chain);
    }
}
