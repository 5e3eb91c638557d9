namespace LiveVote.Server.Polls;

/// <summary>What a producer asks of a poll.</summary>
public enum PollCommandKind
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

    /// <summary>Destroy the closed poll's voter-key secret once its audit period is over (crypto-shredding).</summary>
    DestroyVoterKeys,

    /// <summary>Replace a draft's definition (title, options, code, settings) with <see cref="PollCommand.Definition"/>.</summary>
    Edit,

    /// <summary>Delete a draft: unknown to everyone from then on; its row stays, marked, for the audit trail.</summary>
    Delete,

    /// <summary>Leave a closed poll out of the public list.</summary>
    Archive,

    /// <summary>Put an archived poll back in the public list.</summary>
    Unarchive,

    /// <summary>Let the public results show the counts of a poll whose results were hidden.</summary>
    RevealResults,

    /// <summary>Hide the public results' counts until a reveal (counting goes on).</summary>
    HideResults,
}

/// <summary>A producer's poll change on its way to the batch writer, answered once durable.</summary>
internal sealed class PollCommand(PollCommandKind kind, string pollId, Poll? definition, DateTimeOffset? at = null, long[]? frozenTotals = null)
{
    private readonly TaskCompletionSource<PollCommandResult> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PollCommandKind Kind { get; } = kind;

    public string PollId { get; } = pollId;

    /// <summary>The new poll, for <see cref="PollCommandKind.Create"/>; its new definition for <see cref="PollCommandKind.Edit"/>.</summary>
    public Poll? Definition { get; } = definition;

    /// <summary>When the change happens; null: the writer's clock. A change fanned out to several partitions sets it once for all.</summary>
    public DateTimeOffset? At { get; } = at;

    /// <summary>The totals a freeze holds; null: the writer reads the node's live totals. Set once for every partition.</summary>
    public long[]? FrozenTotals { get; } = frozenTotals;

    /// <summary>
    /// Who pressed for the change: an operator's name, <c>admin-key</c>, or null (background work). Recorded in the
    /// audit entry's data. Set by <c>PollAdmin</c>, the one sender of producers' changes.
    /// </summary>
    public string? Operator { get; init; }

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

    /// <summary>Another poll has the join code the new definition asks for.</summary>
    CodeTaken,
}

/// <summary>How a poll command ended, with the poll as it stands (null when there is none or it is unknown).</summary>
internal readonly record struct PollCommandResult(PollCommandStatus Status, Poll? Poll);
