namespace LiveVote.Cli.Audit.Postgres;

/// <summary>
/// A multi-writer store (PostgreSQL): the writers' chains interleave with no total order, so a vote is judged by its own
/// <c>at</c> against the times of its poll's poll-created, poll-opened and poll-closed entries (whichever chain holds
/// them). A freeze is held to every vote of the poll: with writers' clocks apart, a vote committed before the freeze
/// may carry a later time.
/// </summary>
internal sealed class ClockOrderJudgement : VoteJudgement
{
    public override string CastSuffix => "";

    public override bool ExistedAt(StoredEntry entry, PollRecount poll, ProblemLog problems)
    {
        if (entry.AtUnixMs >= poll.CreatedAt)
        {
            return true;
        }

        problems.At(entry.Ref,
            $"{entry.Kind} at {entry.AtUnixMs} in poll {poll.Id} before it was created (at {poll.CreatedAt}, {problems.Where(poll.Created)})");
        return false;
    }

    public override void CheckOpenAt(StoredEntry vote, PollRecount poll, ProblemLog problems)
    {
        if (poll.Opened is not { } opened)
        {
            problems.At(vote.Ref, $"vote in poll {poll.Id}, which no poll-opened entry opens");
        }
        else if (vote.AtUnixMs < poll.OpenedAt)
        {
            problems.At(vote.Ref, $"vote at {vote.AtUnixMs} in poll {poll.Id} before it was opened (at {poll.OpenedAt}, {problems.Where(opened)})");
        }
        else if (poll.Closed is { } closed && vote.AtUnixMs > poll.ClosedAt)
        {
            problems.At(vote.Ref, $"vote at {vote.AtUnixMs} in poll {poll.Id} after it was closed (at {poll.ClosedAt}, {problems.Where(closed)})");
        }
    }

    public override IReadOnlyList<long> CastFor(PollFreeze freeze, PollRecount poll) => poll.Counts;
}
