using LiveVote.Server.Audit;
using LiveVote.Server.Polls;
using LiveVote.Server.Votes;

namespace LiveVote.Server.Storage;

public enum VoteDecision : byte
{
    Accepted,
    Duplicate,
    AlreadyVoted,
}

/// <summary>A vote the writer has checked against the poll's state and hands to the store.</summary>
public readonly record struct BatchVote(Poll Poll, int OptionIndex, VoterKey VoterKey)
{
    public string OptionId => Poll.Options[OptionIndex].Id;
}

/// <summary>The store's answer for one vote: its decision and the seq and receipt of the vote that stands.</summary>
public readonly record struct StoredVote(VoteDecision Decision, long Seq, Sha256Hash Receipt);

/// <summary>
/// One group commit: an ordered list of votes and poll changes. Reused by the single writer from batch to batch so that
/// a batch allocates nothing per vote.
/// </summary>
public sealed class WriteBatch(int capacity)
{
    private readonly BatchVote[] _votes = new BatchVote[capacity];
    private readonly StoredVote[] _results = new StoredVote[capacity];
    private readonly List<(int Position, Poll Poll, string Kind)> _pollChanges = [];

    public int Capacity => _votes.Length;

    public int VoteCount { get; private set; }

    /// <summary>Commit time, shared by every entry of the batch (milliseconds since the Unix epoch).</summary>
    public long AtUnixMs { get; set; }

    public ReadOnlySpan<BatchVote> Votes => _votes.AsSpan(0, VoteCount);

    public Span<StoredVote> Results => _results.AsSpan(0, VoteCount);

    /// <summary>Poll changes with the vote position they come before, so the audit keeps the order they arrived in.</summary>
    public IReadOnlyList<(int Position, Poll Poll, string Kind)> PollChanges => _pollChanges;

    public bool IsFull => VoteCount == _votes.Length;

    public bool IsEmpty => VoteCount == 0 && _pollChanges.Count == 0;

    public int AddVote(in BatchVote vote)
    {
        _votes[VoteCount] = vote;
        return VoteCount++;
    }

    /// <param name="kind">An <see cref="AuditKinds"/> value: created, opened or closed.</param>
    public void AddPollChange(Poll poll, string kind) => _pollChanges.Add((VoteCount, poll, kind));

    public void Clear()
    {
        Array.Clear(_votes, 0, VoteCount);
        VoteCount = 0;
        _pollChanges.Clear();
    }
}
