namespace LiveVote.Cli.Audit;

/// <summary>
/// The recount of one store, whatever the database: the polls' lives (<see cref="PollHistory"/>), then every chain
/// keyed by (chain, seq) with the votes table beside it (<see cref="ChainWalk"/>), then the tallies, the polls table and
/// the frozen snapshots against the recount. The store supplies only rows (<see cref="AuditStore"/>), the
/// <see cref="VoteJudgement"/> only where a vote stands in its poll's life.
/// </summary>
internal sealed class AuditRecount
{
    private readonly VoteJudgement _judgement;
    private readonly ProblemLog _problems;

    public AuditRecount(VoteJudgement judgement, ProblemLog problems)
    {
        _judgement = judgement;
        _problems = problems;
        History = new PollHistory(problems);
        Walk = new ChainWalk(History, judgement, problems);
    }

    public PollHistory History { get; }

    public ChainWalk Walk { get; }

    public void Run(AuditStore store, CancellationToken cancellationToken)
    {
        History.Replay(store.PollEntries(), cancellationToken);
        Walk.Run(store.Entries(), store.VotesRows(), cancellationToken);
        StoredTotalsCheck.CheckTallies(store.Tallies(), History.Polls, _problems);
        PollsTableCheck.Check(store.Polls(), History.Polls, _problems);
        StoredTotalsCheck.CheckFreezes(History.Polls, _judgement, _problems);
    }

    /// <summary>Each poll's recount as a signed result is held to (<see cref="Logs.MerkleLogsCheck"/>).</summary>
    public IReadOnlyList<Logs.PollTotals> Totals() =>
        [.. History.Polls.Select(p => p.Summary()).Select(s => new Logs.PollTotals(s.Id, s.Status, s.Votes, s.Options))];

    /// <summary>
    /// What was read, recounted and found, in reading order. A store with one chain reports its head; one with writer
    /// chains reports each chain instead (<see cref="VerifyReport.Chains"/>).
    /// </summary>
    public VerifyReport Report(string database)
    {
        _problems.SortByLocation();
        var single = _problems.NamesChains || Walk.Chains.Count == 0 ? null : Walk.Chains[^1];
        return new VerifyReport(
            database,
            Walk.Entries,
            Walk.EntriesByKind,
            single?.HeadSeq ?? 0,
            single?.HeadHash ?? Convert.ToHexStringLower(AuditLinkHasher.Genesis),
            Walk.VoteEntries,
            Walk.VoteRows,
            [.. History.Polls.Select(p => p.Summary())],
            _problems.Count,
            _problems.Listed)
        {
            Chains = _problems.NamesChains ? Walk.Chains : null,
        };
    }
}
