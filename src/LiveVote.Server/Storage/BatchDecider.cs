using LiveVote.Server.Audit;
using LiveVote.Server.Polls;
using LiveVote.Server.Votes;

namespace LiveVote.Server.Storage;

/// <summary>
/// The vote that stands for a voter in a poll, as a store knows it: its option (duplicate or second vote?) and the id
/// and receipt a retry gets back, with the leaf of its entry in its poll's log of its chain.
/// </summary>
public readonly record struct StandingVote(string OptionId, long Seq, Sha256Hash Receipt, int Chain, long Leaf);

/// <summary>
/// What a store supplies for <see cref="BatchDecider"/>: which polls are open in it when the batch starts (SQLite: what it
/// committed; PostgreSQL: the polls this transaction locked open), and the standing vote of a voter (SQLite: its index;
/// PostgreSQL: the rows it pre-read), which learns the votes the batch accepts as it goes.
/// </summary>
internal interface IBatchLookups
{
    bool IsOpen(string pollId);

    bool TryGetStanding(string pollId, in VoterKey voterKey, out StandingVote vote);

    void AddStanding(string pollId, in VoterKey voterKey, in StandingVote vote);
}

/// <summary>
/// The one rule of what a vote becomes, for every store. It walks a <see cref="WriteBatch"/> in order (votes and
/// audit-only entries interleaved by position), so a vote after its poll's close in the same batch is refused and a
/// vote after the open counts; decides each vote (a standing vote? then duplicate or already voted; withheld by the
/// endpoint? then not counted; poll not open here? refused; else accepted); appends the audit entries to the chain; and collects the tally deltas and the accepted positions.
/// The store then only writes rows: <see cref="Accepted"/> as vote rows, the chain's appended entries as audit rows,
/// the batch's poll changes as poll rows, <see cref="TallyDeltas"/> as tally rows. It does no I/O.
/// </summary>
internal sealed class BatchDecider
{
    private readonly List<int> _accepted = [];
    private readonly Dictionary<(string PollId, string OptionId), long> _tallyDeltas = [];

    // Polls whose open state this batch changed, with the state it leaves them in: overrides the store's view for the
    // votes that follow the change. Empty in nearly every batch (a poll changes a handful of times per show).
    private readonly Dictionary<string, bool> _changedInBatch = new(StringComparer.Ordinal);

    /// <summary>Positions of the accepted votes, in batch order.</summary>
    public IReadOnlyList<int> Accepted => _accepted;

    /// <summary>Accepted votes per (poll, option) in this batch.</summary>
    public IReadOnlyDictionary<(string PollId, string OptionId), long> TallyDeltas => _tallyDeltas;

    /// <summary>
    /// Decides the whole batch into <see cref="WriteBatch.Results"/> and the chain. The caller has marked the chain and
    /// rewinds it if the store's transaction then fails.
    /// </summary>
    public void Decide(WriteBatch batch, AuditChain chain, IBatchLookups store)
    {
        _accepted.Clear();
        _tallyDeltas.Clear();
        _changedInBatch.Clear();
        var votes = batch.Votes;
        var results = batch.Results;
        var auditOnly = batch.AuditOnlyEntries;
        var at = batch.AtUnixMs;
        var next = 0;
        for (var i = 0; i <= votes.Length; i++)
        {
            while (next < auditOnly.Count && auditOnly[next].Position == i)
            {
                var entry = auditOnly[next++];
                if (entry.Poll is { } poll)
                {
                    _changedInBatch[poll.Id] = poll.Status == PollStatus.Open;
                    chain.Append(entry.Kind, poll.Id, null, null, at, PollRows.AuditData(poll, entry.Kind, entry.Operator));
                }
                else
                {
                    var note = entry.Note!;
                    chain.Append(note.Kind, note.PollId, note.VoterKey, null, at, note.Data);
                }
            }

            if (i < votes.Length)
            {
                results[i] = DecideVote(votes[i], i, at, chain, store);
            }
        }
    }

    /// <summary>
    /// A standing vote is answered first, whatever else holds now (poll closed since, the voter's network suspected):
    /// a retry always gets its first answer back, with the same vote id and receipt.
    /// </summary>
    private VoteResult DecideVote(in BatchVote vote, int position, long at, AuditChain chain, IBatchLookups store)
    {
        var pollId = vote.Poll.Id;
        var optionId = vote.OptionId;
        if (store.TryGetStanding(pollId, vote.VoterKey, out var standing))
        {
            var outcome = string.Equals(standing.OptionId, optionId, StringComparison.Ordinal) ? VoteOutcome.Duplicate : VoteOutcome.AlreadyVoted;
            return new VoteResult(outcome, standing.Seq, standing.Receipt, standing.Chain, standing.Leaf);
        }

        if (vote.Withheld)
        {
            return VoteResult.Withheld;
        }

        var open = _changedInBatch.Count > 0 && _changedInBatch.TryGetValue(pollId, out var changed) ? changed : store.IsOpen(pollId);
        if (!open)
        {
            return VoteResult.PollNotOpen;
        }

        var entry = chain.Append(AuditKinds.Vote, pollId, vote.VoterKey, optionId, at, data: null);
        store.AddStanding(pollId, vote.VoterKey, new StandingVote(optionId, entry.Seq, entry.Hash, chain.ChainId, entry.Leaf));
        _accepted.Add(position);
        var tallyKey = (pollId, optionId);
        _tallyDeltas[tallyKey] = _tallyDeltas.GetValueOrDefault(tallyKey) + 1;
        return new VoteResult(VoteOutcome.Accepted, entry.Seq, entry.Hash, chain.ChainId, entry.Leaf);
    }
}
