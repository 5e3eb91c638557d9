using System.Globalization;

namespace LiveVote.Cli.Audit.Logs;

/// <summary>
/// One Merkle log: the leaves of poll <see cref="PollId"/> written by writer chain <see cref="Chain"/> in store partition
/// <see cref="Partition"/> (SQLite: 0.0). Named "log {partition}.{chain} of poll {poll}".
/// </summary>
internal readonly record struct LogId(string PollId, int Partition, int Chain)
{
    public string Name => string.Create(CultureInfo.InvariantCulture, $"{Partition}.{Chain}");

    public override string ToString() => $"log {Name} of poll {PollId}";

    /// <summary>Parses "{partition}.{chain}" (both non-negative integers).</summary>
    public static bool TryParseName(string text, out int partition, out int chain)
    {
        partition = chain = 0;
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        return dot > 0
               && int.TryParse(text.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out partition)
               && int.TryParse(text.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out chain);
    }
}
