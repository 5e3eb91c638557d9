using LiveVote.Server.Polls;
using LiveVote.Server.Storage;
using LiveVote.Server.Votes;

namespace LiveVote.Server.Ingest;

/// <summary>What the batch writer is asked to do.</summary>
internal enum WriterCommandKind : byte
{
    /// <summary>Store a vote and answer its request once durable: the hot path.</summary>
    Vote,

    /// <summary>Apply a producer's poll change and answer it once durable.</summary>
    PollChange,

    /// <summary>Append an audit note (a risk decision, an admin lockout); nobody waits for it.</summary>
    Note,
}

/// <summary>
/// One item of the writer's queue. Votes, poll changes and notes all go through the one queue so the audit trail
/// records them in the order the writer applied them: a vote queued after a close is refused. A struct, so a vote costs
/// no allocation beyond its pooled completion; made only through <see cref="Vote"/>, <see cref="PollChange"/> and
/// <see cref="Note"/>, and read only through the accessor of its <see cref="Kind"/>.
/// </summary>
internal readonly struct WriterCommand
{
    // The vote's completion, the poll command or the note, as Kind says: one slot keeps the struct small.
    private readonly object _payload;

    private WriterCommand(
        WriterCommandKind kind, object payload, Poll? poll = null, int optionIndex = -1, VoterKey voterKey = default, bool withheld = false)
    {
        Kind = kind;
        _payload = payload;
        Poll = poll;
        OptionIndex = optionIndex;
        VoterKey = voterKey;
        Withheld = withheld;
    }

    public WriterCommandKind Kind { get; }

    /// <summary>The poll a vote is for, as the endpoint saw it (the writer checks it again).</summary>
    public Poll? Poll { get; }

    public int OptionIndex { get; }

    public VoterKey VoterKey { get; }

    /// <summary>A vote refused before the store, sent only to find a standing vote to answer with (<see cref="BatchVote.Withheld"/>).</summary>
    public bool Withheld { get; }

    public VoteCompletion Completion => Kind == WriterCommandKind.Vote ? (VoteCompletion)_payload : throw WrongKind();

    public PollCommand PollCommand => Kind == WriterCommandKind.PollChange ? (PollCommand)_payload : throw WrongKind();

    public AuditNote AuditNote => Kind == WriterCommandKind.Note ? (AuditNote)_payload : throw WrongKind();

    public static WriterCommand Vote(Poll poll, int optionIndex, in VoterKey voterKey, VoteCompletion completion, bool withheld = false) =>
        new(WriterCommandKind.Vote, completion, poll, optionIndex, voterKey, withheld);

    public static WriterCommand PollChange(PollCommand command) => new(WriterCommandKind.PollChange, command);

    public static WriterCommand Note(AuditNote note) => new(WriterCommandKind.Note, note);

    private InvalidOperationException WrongKind() => new($"A {Kind} command has no such part.");
}
