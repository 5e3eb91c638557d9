namespace LiveVote.Cli.Audit;

/// <summary>
/// Collects problems and says where they are. Keeps the first <see cref="MaxListed"/> so that a wholly corrupt database
/// cannot exhaust memory; counts all of them.
/// <para>
/// <paramref name="namesChains"/>: a PostgreSQL store has one chain per writer, so its locations read "chain W seq N";
/// a SQLite store has one chain (chain 0), so its locations read "seq N" and its problems carry no chain.
/// </para>
/// <para>
/// <see cref="Partition"/>: the log of one cluster of a fleet; every problem it records names that partition.
/// </para>
/// </summary>
internal sealed class ProblemLog(bool namesChains)
{
    public const int MaxListed = 1000;

    private readonly List<VerifyProblem> _listed = [];

    public bool NamesChains { get; } = namesChains;

    /// <summary>The partition (cluster) every problem of this log is in; null outside a fleet of several clusters.</summary>
    public int? Partition { get; init; }

    public long Count { get; private set; }

    public IReadOnlyList<VerifyProblem> Listed => _listed;

    /// <summary>An entry as messages name it: "chain W seq N", or "seq N" in a store with one chain.</summary>
    public string Where(EntryRef entry) => EntryRef.Describe(NamesChains ? entry.Chain : null, entry.Seq);

    /// <summary>A chain as messages name it: "chain W", or "the chain" in a store with one chain.</summary>
    public string ChainName(int chain) => NamesChains ? $"chain {chain}" : "the chain";

    /// <summary>A problem at one entry (or the votes row naming it); <paramref name="pollId"/> when it is also about a poll.</summary>
    public void At(EntryRef entry, string message, string? pollId = null) =>
        Add(new VerifyProblem(entry.Seq, pollId, message) { Chain = NamesChains ? entry.Chain : null, Partition = Partition });

    public void AtPoll(string pollId, string message) => Add(new VerifyProblem(null, pollId, message) { Partition = Partition });

    public void General(string message) => Add(new VerifyProblem(null, null, message) { Partition = Partition });

    /// <summary>A problem found across clusters: in <paramref name="partition"/> (null: in none of them alone), at an entry and/or a poll.</summary>
    public void InPartition(int? partition, EntryRef? entry, string? pollId, string message) =>
        Add(new VerifyProblem(entry?.Seq, pollId, message) { Chain = entry?.Chain, Partition = partition });

    /// <summary>
    /// Puts the listed problems in a stable reading order: general ones first, then by chain and seq, then per poll.
    /// The checks run in several passes (the polls' lives, the chains, the tables), so the order they are found in is
    /// not the order of the chains.
    /// </summary>
    public void SortByLocation()
    {
        var sorted = SortedByLocation(_listed);
        _listed.Clear();
        _listed.AddRange(sorted);
    }

    /// <summary>The reading order of <see cref="SortByLocation"/>; in a fleet, partition by partition (problems of no one partition first).</summary>
    public static List<VerifyProblem> SortedByLocation(IEnumerable<VerifyProblem> problems) =>
        problems
            .Select((p, i) => (Problem: p, Index: i))
            .OrderBy(x => x.Problem.Partition ?? -1)
            .ThenBy(x => x.Problem.Seq is not null ? 1 : x.Problem.PollId is not null ? 2 : 0)
            .ThenBy(x => x.Problem.Chain ?? 0)
            .ThenBy(x => x.Problem.Seq ?? 0)
            .ThenBy(x => x.Problem.PollId, StringComparer.Ordinal)
            .ThenBy(x => x.Index)
            .Select(x => x.Problem)
            .ToList();

    private void Add(VerifyProblem problem)
    {
        Count++;
        if (_listed.Count < MaxListed)
        {
            _listed.Add(problem);
        }
    }
}
