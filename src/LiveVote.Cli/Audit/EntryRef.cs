namespace LiveVote.Cli.Audit;

/// <summary>
/// Where an entry is: seq <see cref="Seq"/> of chain <see cref="Chain"/>. A PostgreSQL store has one chain per writer
/// id; a SQLite store has one chain, chain 0, whose locations name no chain. Ordered by chain, then seq: the order the
/// chains are walked in.
/// </summary>
internal readonly record struct EntryRef(int Chain, long Seq) : IComparable<EntryRef>
{
    public int CompareTo(EntryRef other) => Chain != other.Chain ? Chain.CompareTo(other.Chain) : Seq.CompareTo(other.Seq);

    public static bool operator <(EntryRef left, EntryRef right) => left.CompareTo(right) < 0;

    public static bool operator >(EntryRef left, EntryRef right) => left.CompareTo(right) > 0;

    public static bool operator <=(EntryRef left, EntryRef right) => left.CompareTo(right) <= 0;

    public static bool operator >=(EntryRef left, EntryRef right) => left.CompareTo(right) >= 0;

    /// <summary>"chain W seq N", or "seq N" where the store has one unnamed chain (<paramref name="chain"/> null).</summary>
    public static string Describe(int? chain, long seq) => chain is { } named ? $"chain {named} seq {seq}" : $"seq {seq}";
}
