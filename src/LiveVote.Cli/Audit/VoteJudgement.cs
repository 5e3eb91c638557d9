namespace LiveVote.Cli.Audit;

/// <summary>
/// The one judgement the stores do not share: where an entry stands in its poll's life. In SQLite's one chain the seq
/// order is the order things happened (<see cref="ChainOrderJudgement"/>); PostgreSQL's writer chains interleave with no
/// total order, so only the entries' <c>at</c> times place a vote against the poll's creation, opening and closing
/// (<see cref="Postgres.ClockOrderJudgement"/>). Which votes a frozen snapshot could have shown follows from the same
/// order. Everything else is checked alike, by <see cref="AuditRecount"/>.
/// </summary>
internal abstract class VoteJudgement
{
    /// <summary>How messages word the counts a freeze is held to, after "more than the N cast".</summary>
    public abstract string CastSuffix { get; }

    /// <summary>Whether the poll existed at the entry (a vote, a risk decision); reports it when not.</summary>
    public abstract bool ExistedAt(StoredEntry entry, PollRecount poll, ProblemLog problems);

    /// <summary>Reports a vote cast while its poll was not open.</summary>
    public abstract void CheckOpenAt(StoredEntry vote, PollRecount poll, ProblemLog problems);

    /// <summary>Called as the chain walk meets a results-frozen entry of the poll, after the entries before it in its chain.</summary>
    public virtual void FreezeMet(EntryRef freeze, PollRecount poll)
    {
    }

    /// <summary>The counts per option (in the poll's option order) a freeze cannot show more than.</summary>
    public abstract IReadOnlyList<long> CastFor(PollFreeze freeze, PollRecount poll);
}
