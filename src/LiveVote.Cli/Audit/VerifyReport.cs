using System.Text.Json.Serialization;

namespace LiveVote.Cli.Audit;

/// <summary>
/// One thing found wrong. <see cref="Seq"/> names the audit seq (or votes row seq) it is about (and <see cref="PollId"/>
/// the poll, when the entry is wrong about its poll: a frozen snapshot); problems about a table as a whole (a tally, a
/// polls row) name only the poll. In a PostgreSQL store every writer has its own chain,
/// so a seq there is only meaningful with its <see cref="Chain"/> (the writer id); a SQLite store has no chain id.
/// </summary>
internal sealed record VerifyProblem(long? Seq, string? PollId, string Message)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Chain { get; init; }

    /// <summary>The partition (cluster) of a fleet the problem is in; null for a single store, or a problem of no one cluster.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Partition { get; init; }

    /// <summary>
    /// Where the problem is: "chain W seq N", "seq N", "poll P", or null for a general problem; in a fleet prefixed by
    /// "partition I" (alone for a problem of the cluster as a whole).
    /// </summary>
    [JsonIgnore]
    public string? Location
    {
        get
        {
            var place = Seq is { } seq ? EntryRef.Describe(Chain, seq) : PollId is { } poll ? $"poll {poll}" : null;
            return Partition is not { } partition ? place : place is null ? $"partition {partition}" : $"partition {partition} {place}";
        }
    }

    public override string ToString() => Location is { } location ? $"{location}: {Message}" : Message;
}

/// <summary>One writer's chain in a PostgreSQL store: its entries run seq 1..<see cref="HeadSeq"/>.</summary>
internal sealed record ChainSummary(int Writer, long Entries, long HeadSeq, string HeadHash);

internal sealed record OptionRecount(string Id, long Votes);

internal sealed record KindCount(string Kind, long Entries);

internal sealed record PollRecountSummary(string Id, string Title, string Status, long Votes, IReadOnlyList<OptionRecount> Options);

/// <summary>What <c>audit verify</c> read, recounted and found; <see cref="Ok"/> only when nothing is wrong.</summary>
internal sealed record VerifyReport(
    string Database,
    long Entries,
    IReadOnlyList<KindCount> EntriesByKind,
    long HeadSeq,
    string HeadHash,
    long Votes,
    long VoteRows,
    IReadOnlyList<PollRecountSummary> Polls,
    long ProblemCount,
    IReadOnlyList<VerifyProblem> Problems)
{
    public bool Ok => ProblemCount == 0;

    /// <summary>The polls' Merkle logs as recomputed and checked against the signed notes; null for a store without them.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Logs.LogsSummary? Logs { get; init; }

    /// <summary>The writer chains of a PostgreSQL store (null for SQLite, whose one chain the head fields describe).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ChainSummary>? Chains { get; init; }

    /// <summary>
    /// The first problem that names an entry ("chain W seq N" for PostgreSQL, "seq N" for SQLite): in a chain store,
    /// the lowest (chain, seq).
    /// </summary>
    [JsonIgnore]
    public string? FirstBadLocation => FirstBad(Problems);

    /// <summary>The problem naming the lowest (partition, chain, seq), as <see cref="FirstBadLocation"/> words it.</summary>
    public static string? FirstBad(IEnumerable<VerifyProblem> problems) => problems.Where(p => p.Seq is not null)
        .OrderBy(p => p.Partition ?? -1).ThenBy(p => p.Chain ?? 0).ThenBy(p => p.Seq).Select(p => p.Location).FirstOrDefault();

    /// <summary>The lowest seq any problem names: where the stored history first stops being trustworthy.</summary>
    public long? FirstBadSeq => Problems.Where(p => p.Seq is not null).Select(p => p.Seq).Min();
}
