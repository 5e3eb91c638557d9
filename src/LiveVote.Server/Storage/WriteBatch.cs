using LiveVote.Server.Polls;
using LiveVote.Server.Votes;

namespace LiveVote.Server.Storage;

/// <summary>
/// A vote the writer hands to the store. <paramref name="Withheld"/>: refused before the store (the risk score), sent
/// only so that a voter whose vote already stands gets it back rather than the refusal; never counted.
/// </summary>
public readonly record struct BatchVote(Poll Poll, int OptionIndex, VoterKey VoterKey, bool Withheld = false)
{
    public string OptionId => Poll.Options[OptionIndex].Id;
}

/// <summary>
/// An audit entry that records a decision rather than a vote or a poll change: a risk decision on a vote
/// (<see cref="Audit.AuditKinds.RiskDecision"/>) or an admin-key lockout (<see cref="Audit.AuditKinds.AdminLockout"/>). It
/// changes no poll, vote or tally; it only extends the chain, so a post-event review can see what was refused and why.
/// </summary>
/// <param name="Data">Compact JSON, stored and hashed exactly as given.</param>
public sealed record AuditNote(string Kind, string? PollId, VoterKey? VoterKey, string Data);

/// <summary>
/// An entry of the batch that is only an audit entry (no vote row): a poll change (<see cref="Poll"/> set) or a note
/// (<see cref="Note"/> set), with the vote position it comes before. <see cref="Operator"/>: who made the poll change
/// (an operator's name, <c>admin-key</c>), null for changes nobody pressed for (background work) and for notes.
/// </summary>
public readonly record struct AuditOnlyEntry(int Position, string Kind, Poll? Poll, AuditNote? Note, string? Operator = null);

/// <summary>
/// One group commit: an ordered list of votes, poll changes and audit notes, and the store's answer to each vote.
/// Reused by the single writer from batch to batch so that a batch allocates nothing per vote.
/// </summary>
public sealed class WriteBatch(int capacity)
{
    private readonly BatchVote[] _votes = new BatchVote[capacity];
    private readonly VoteResult[] _results = new VoteResult[capacity];
    private readonly List<AuditOnlyEntry> _auditOnly = [];

    public int Capacity => _votes.Length;

    public int VoteCount { get; private set; }

    /// <summary>Commit time, shared by every entry of the batch (milliseconds since the Unix epoch).</summary>
    public long AtUnixMs { get; set; }

    public ReadOnlySpan<BatchVote> Votes => _votes.AsSpan(0, VoteCount);

    /// <summary>The store's decision for each vote, by position; set by <see cref="BatchDecider"/> during the commit.</summary>
    public Span<VoteResult> Results => _results.AsSpan(0, VoteCount);

    /// <summary>
    /// Poll changes and notes, each with the vote position it comes before, so the audit keeps the order they arrived in.
    /// </summary>
    public IReadOnlyList<AuditOnlyEntry> AuditOnlyEntries => _auditOnly;

    public int NoteCount { get; private set; }

    public bool IsFull => VoteCount == _votes.Length;

    public bool IsEmpty => VoteCount == 0 && _auditOnly.Count == 0;

    public int AddVote(in BatchVote vote)
    {
        _votes[VoteCount] = vote;
        return VoteCount++;
    }

    /// <param name="kind">The <see cref="Audit.AuditKinds"/> value of the change (created, opened, closed, frozen, ...).</param>
    /// <param name="operatorName">Who pressed (recorded in the entry's data), or null.</param>
    public void AddPollChange(Poll poll, string kind, string? operatorName = null) =>
        _auditOnly.Add(new AuditOnlyEntry(VoteCount, kind, poll, null, operatorName));

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
