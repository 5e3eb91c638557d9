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

    public void AtPoll(string pollId, string message) => Add(new VerifyProblem(null, pollId, message));

    public void General(string message) => Add(new VerifyProblem(null, null, message));

    private void Add(VerifyProblem problem)
    {
        Count++;
        if (_listed.Count < MaxListed)
        {
            _listed.Add(problem);
        }
    }
}
