namespace LiveVote.Cli.Audit;

/// <summary>
/// A single-writer store (SQLite): its one chain is the history. A vote is judged by the state the entries before it
/// gave its poll, and a freeze can show only the votes before it (the server freezes the count it had committed).
/// </summary>
internal sealed class ChainOrderJudgement : VoteJudgement
{
    private readonly Dictionary<EntryRef, long[]> _countedBeforeFreeze = [];

    public override string CastSuffix => " before it";

    public override bool ExistedAt(StoredEntry entry, PollRecount poll, ProblemLog problems)
    {
        if (poll.Created < entry.Ref)
        {
            return true;
        }

        problems.At(entry.Ref, PollHistory.NotCreated(entry.Kind, poll.Id));
        return false;
    }

    public override void CheckOpenAt(StoredEntry vote, PollRecount poll, ProblemLog problems)
    {
        var state = poll.Closed is { } closed && closed < vote.Ref ? PollStates.Closed
            : poll.Opened is { } opened && opened < vote.Ref ? PollStates.Open
            : PollStates.Draft;
        if (state != PollStates.Open)
        {
            problems.At(vote.Ref, $"vote in poll {poll.Id} while it was {state}");
        }
    }

    /// <summary>The walk has counted exactly the votes before the freeze: they are what it could show.</summary>
    public override void FreezeMet(EntryRef freeze, PollRecount poll) => _countedBeforeFreeze[freeze] = [.. poll.Counts];

    public override IReadOnlyList<long> CastFor(PollFreeze freeze, PollRecount poll) =>
        _countedBeforeFreeze.GetValueOrDefault(freeze.Entry) ?? poll.Counts;
}
