namespace LiveVote.Cli.Audit;

/// <summary>
/// Collects problems in the order they are found (the audit pass finds them in seq order). Keeps the first
/// <see cref="MaxListed"/> so that a wholly corrupt database cannot exhaust memory; counts all of them.
/// </summary>
internal sealed class ProblemLog
{
    public const int MaxListed = 1000;

    private readonly List<VerifyProblem> _listed = [];

    public long Count { get; private set; }

    public IReadOnlyList<VerifyProblem> Listed => _listed;

    public void AtSeq(long seq, string message) => Add(new VerifyProblem(seq, null, message));

    /// <summary>A problem at one entry (or votes row) of one writer's chain, in a PostgreSQL store.</summary>
    public void AtEntry(int chain, long seq, string message) => Add(new VerifyProblem(seq, null, message) { Chain = chain });

    public void AtPoll(string pollId, string message) => Add(new VerifyProblem(null, pollId, message));

    public void General(string message) => Add(new VerifyProblem(null, null, message));

    /// <summary>
    /// Puts the listed problems in a stable reading order: general ones first, then by chain and seq, then per poll.
    /// The PostgreSQL checks run in several passes, so the order they are found in is not the order of the chains.
    /// </summary>
    public void SortByLocation()
    {
        var sorted = _listed
            .Select((p, i) => (Problem: p, Index: i))
            .OrderBy(x => x.Problem.Seq is not null ? 1 : x.Problem.PollId is not null ? 2 : 0)
            .ThenBy(x => x.Problem.Chain ?? 0)
            .ThenBy(x => x.Problem.Seq ?? 0)
            .ThenBy(x => x.Problem.PollId, StringComparer.Ordinal)
            .ThenBy(x => x.Index)
            .Select(x => x.Problem)
            .ToList();
        _listed.Clear();
        _listed.AddRange(sorted);
    }

    private void Add(VerifyProblem problem)
    {
        Count++;
        if (_listed.Count < MaxListed)
        {
            _listed.Add(problem);
        }
    }
}
