using LiveVote.Server.Polls;
using LiveVote.Server.Votes;

namespace LiveVote.Server.Ingest;

/// <summary>
/// One item of the writer's queue: a vote (the hot path: a struct, no allocation beyond the pooled completion) or,
/// rarely, a poll change from the producer or an audit note (a risk decision, an admin lockout). All go through the
/// one queue so the audit trail records them in the order the writer applied them: a vote queued after a close is
/// refused. Notes are not answered: nobody waits for them.
/// </summary>
internal readonly record struct WriterCommand(
    Poll? Poll, int OptionIndex, VoterKey VoterKey, VoteCompletion? Completion, PollCommand? Admin, Storage.AuditNote? Note = null);

internal enum PollCommandKind
{
    Create,
    Open,
    Close,

    /// <summary>Hold the public results at the totals known now; counting goes on.</summary>
    FreezeResults,

    /// <summary>Let the public results catch up with the count.</summary>
    ReleaseResults,

    /// <summary>Let the vote page show viewers the live results after they vote.</summary>
    ShowResultsToViewers,

    /// <summary>Stop the vote page showing viewers the results.</summary>
    HideResultsFromViewers,
}

/// <summary>A producer's poll change, answered once durable.</summary>
internal sealed class PollCommand(PollCommandKind kind, string pollId, Poll? definition)
{
    private readonly TaskCompletionSource<PollCommandResult> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PollCommandKind Kind { get; } = kind;

    public string PollId { get; } = pollId;

    /// <summary>The new poll, for <see cref="PollCommandKind.Create"/>.</summary>
    public Poll? Definition { get; } = definition;

    public Task<PollCommandResult> Done => _done.Task;

    public void Complete(PollCommandResult result) => _done.TrySetResult(result);
}

internal enum PollCommandStatus
{
    Done,
    NotFound,
    AlreadyExists,
    InvalidTransition,
    StoreFailed,
}

internal readonly record struct PollCommandResult(PollCommandStatus Status, Poll? Poll);
