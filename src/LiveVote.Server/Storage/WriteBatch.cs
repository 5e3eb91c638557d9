using LiveVote.Server.Audit;
using LiveVote.Server.Polls;
using LiveVote.Server.Votes;

namespace LiveVote.Server.Storage;

public enum VoteDecision : byte
{
    Accepted,
    Duplicate,
    AlreadyVoted,

    /// <summary>The store found the poll no longer open (another node closed it): the vote is refused.</summary>
    PollNotOpen,
}

/// <summary>A vote the writer has checked against the poll's state and hands to the store.</summary>
public readonly record struct BatchVote(Poll Poll, int OptionIndex, VoterKey VoterKey)
{
    public string OptionId => Poll.Options[OptionIndex].Id;
}

/// <summary>The store's answer for one vote: its decision and the seq and receipt of the vote that stands.</summary>
/// <param name="Chain">The chain (writer) whose entry the standing vote is: 0 in SQLite.</param>
public readonly record struct StoredVote(VoteDecision Decision, long Seq, Sha256Hash Receipt, int Chain = 0)
{
    /// <summary>The standing vote's option, where the store read it back (PostgreSQL).</summary>
    public string? OptionId { get; init; }
}

/// <summary>
/// An audit entry that records a decision rather than a vote or a poll change: a risk decision on a vote
/// (<see cref="AuditKinds.RiskDecision"/>) or an admin-key lockout (<see cref="AuditKinds.AdminLockout"/>). It changes
/// no poll, vote or tally; it only extends the chain, so a post-event review can see what was refused and why.
/// </summary>
/// <param name="Data">Compact JSON, stored and hashed exactly as given.</param>
public sealed record AuditNote(string Kind, string? PollId, VoterKey? VoterKey, string Data);

/// <summary>
/// An entry of the batch that is only an audit entry (no vote row): a poll change (<see cref="Poll"/> set) or a note
/// (<see cref="Note"/> set), with the vote position it comes before.
/// </summary>
public readonly record struct AuditOnlyEntry(int Position, string Kind, Poll? Poll, AuditNote? Note);

/// <summary>
/// One group commit: an ordered list of votes, poll changes and audit notes. Reused by the single writer from batch to
/// batch so that a batch allocates nothing per vote.
/// </summary>
public sealed class WriteBatch(int capacity)
{
    private readonly BatchVote[] _votes = new BatchVote[capacity];
    private readonly StoredVote[] _results = new StoredVote[capacity];
    private readonly List<AuditOnlyEntry> _auditOnly = [];

    public int Capacity => _votes.Length;

    public int VoteCount { get; private set; }

    /// <summary>Commit time, shared by every entry of the batch (milliseconds since the Unix epoch).</summary>
    public long AtUnixMs { get; set; }

    public ReadOnlySpan<BatchVote> Votes => _votes.AsSpan(0, VoteCount);

    public Span<StoredVote> Results => _results.AsSpan(0, VoteCount);

    /// <summary>
    /// Poll changes and notes, each with the vote position it comes before, so the audit keeps the order they arrived in.
    /// </summary>
    public IReadOnlyList<AuditOnlyEntry> AuditOnlyEntries => _auditOnly;

    /// <summary>The poll changes of <see cref="AuditOnlyEntries"/> alone (a copy: for inspection, not the commit path).</summary>
    public IReadOnlyList<(int Position, Poll Poll, string Kind)> PollChanges =>
        [.. _auditOnly.Where(e => e.Poll is not null).Select(e => (e.Position, e.Poll!, e.Kind))];

    public int NoteCount { get; private set; }

    public bool IsFull => VoteCount == _votes.Length;

    public bool IsEmpty => VoteCount == 0 && _auditOnly.Count == 0;

    public int AddVote(in BatchVote vote)
    {
        _votes[VoteCount] = vote;
        return VoteCount++;
    }

    /// <param name="kind">An <see cref="AuditKinds"/> value: created, opened or closed.</param>
    public void AddPollChange(Poll poll, string kind) => _auditOnly.Add(new AuditOnlyEntry(VoteCount, kind, poll, null));

    public void AddNote(AuditNote note)
    {
        _auditOnly.Add(new AuditOnlyEntry(VoteCount, note.Kind, null, note));
        NoteCount++;
    }

    public void Clear()
    {
        Array.Clear(_votes, 0, VoteCount);
        VoteCount = 0;
        NoteCount = 0;
        _auditOnly.Clear();
    }
}
