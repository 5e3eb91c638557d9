using LiveVote.Server.Ingest;
using LiveVote.Server.Results;
using LiveVote.Server.Security.Operators;
using LiveVote.Server.Votes;

namespace LiveVote.Server.Polls;

/// <summary>
/// Sends the producer's poll changes to the batch writers and waits until they are durable. A new poll is spread over
/// the store partitions the node has now, for its whole life (<see cref="Poll.PartitionCount"/>). A change refused
/// because this node's view of the poll may be behind (unknown, or not in the state the change starts from) is tried
/// once more after the poll is read from the store (<see cref="IPollLookup"/>): another node may have changed it a
/// moment ago.
/// <para>
/// With several partitions a change goes to every partition's writer (<see cref="PollFanOut"/>) and is answered once
/// every cluster committed it; a cluster that could not (in failover) is retried in the background while the producer
/// is answered 503, and pressing again is harmless (a cluster already in the target state counts as done).
/// </para>
/// Every change sent here is stamped with who pressed for it (<see cref="CurrentOperator"/>: the signed-in operator,
/// <c>admin-key</c>, or nobody for background work), in this one place, so the audit records it for every kind of change.
/// <para>
/// A change is answered only once this node's results show it (<see cref="IResultsCatchUp"/>): the producer who has just
/// opened a poll, and the screens that follow the answer, find its results on this node.
/// </para>
/// </summary>
internal sealed partial class PollAdmin(
    IngestRouter router,
    IPollLookup lookup,
    PollRegistry polls,
    PollFanOut fanOut,
    ResultsHub results,
    IResultsCatchUp resultsCatchUp,
    VoterSecretWrapping voterSecrets,
    CurrentOperator currentOperator,
    TimeProvider time,
    ILogger<PollAdmin> logger)
{
    /// <param name="code">The producer's join code, upper-case; null: a new one (<see cref="NewCode"/>).</param>
    public async Task<PollCommandResult> CreateAsync(
        string title, IEnumerable<(string Id, string Label)> options, bool showResultsToViewers, string? code, bool hideResults,
        CancellationToken cancellationToken)
    {
        var poll = PollRules.Create(PollRules.NewPollId(), title, options, time.GetUtcNow(), showResultsToViewers) with
        {
            Code = code ?? NewCode(),
            ResultsHidden = hideResults,
        };
        return await CreateWithIdAsync(poll, cancellationToken);
    }

    /// <summary>
    /// Replaces a draft's definition. The settings left null keep what the poll has (a code left out is not replaced by
    /// a new one); the writer refuses the edit unless the poll is a draft.
    /// </summary>
    public async Task<PollCommandResult> EditAsync(
        string pollId, string title, IEnumerable<(string Id, string Label)> options, bool? showResultsToViewers, string? code, bool? hideResults,
        CancellationToken cancellationToken)
    {
        Poll? current;
        try
        {
            current = polls.TryGet(pollId, out var held) ? held : await lookup.RefreshAsync(pollId, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new PollCommandResult(PollCommandStatus.StoreFailed, null);
        }

        if (current is null)
        {
            return new PollCommandResult(PollCommandStatus.NotFound, null);
        }

        var defined = PollRules.Create(pollId, title, options, current.CreatedAt);
        var edited = current with
        {
            Title = defined.Title,
            Options = defined.Options,
            ShowResultsToViewers = showResultsToViewers ?? current.ShowResultsToViewers,
            Code = code ?? current.Code,
            ResultsHidden = hideResults ?? current.ResultsHidden,
        };
        return await ChangeAsync(pollId, PollCommandKind.Edit, cancellationToken, edited);
    }

    /// <summary>
    /// A generated join code no poll this node knows has (the writer checks again, against every poll of its store).
    /// </summary>
    private string NewCode()
    {
        var code = PollCodes.New();
        for (var tries = 0; tries < 8 && polls.TryGetByCode(code, out _); tries++)
        {
            code = PollCodes.New();
        }

        return code;
    }

    public async Task<PollCommandResult> ChangeAsync(string pollId, PollCommandKind kind, CancellationToken cancellationToken, Poll? definition = null)
    {
        var result = await SendAsync(kind, pollId, definition, cancellationToken);
        if (result.Status is not (PollCommandStatus.NotFound or PollCommandStatus.InvalidTransition))
        {
            return result;
        }

        var seen = polls.TryGet(pollId, out var held) ? held : null;
        Poll? stored;
        try
        {
            stored = await lookup.RefreshAsync(pollId, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The store cannot say now whether this node is behind: the producer gets 503 and presses again.
            return new PollCommandResult(PollCommandStatus.StoreFailed, null);
        }

        return stored is null || ReferenceEquals(stored, seen)
            ? result
            : await SendAsync(kind, pollId, definition, cancellationToken);
    }

    public Task<PollCommandResult> CreateWithIdAsync(Poll poll, CancellationToken cancellationToken)
    {
        // The poll's own voter-key secret is made here, once, and travels wrapped with the definition to every partition:
        // every node then derives the same key, and so the same partition, for a viewer (docs/design.md, 7.2).
        var spread = poll with { PartitionCount = router.PartitionCount, VoterSecret = poll.VoterSecret ?? voterSecrets.NewFor(poll.Id) };
        return SendAsync(PollCommandKind.Create, spread.Id, spread, cancellationToken);
    }

    /// <summary>
    /// How long a producer's answer waits, at most, for this node's results to show the change. A refresh round takes a
    /// few milliseconds, and the clusters have just committed the change, so they answer; the bound is for one that stops
    /// answering reads right after, and is the same as a vote's wait for its commit (<c>IngestOptions.CommitDeadlineMs</c>'
    /// default): a loaded node is given the time, a stuck read does not hold the producer. Past it the change, durable
    /// already, is answered; the results show it at the next round and until then answer 503 <c>results-pending</c>.
    /// </summary>
    internal static readonly TimeSpan CatchUpWait = TimeSpan.FromSeconds(3);

    private async Task<PollCommandResult> SendAsync(PollCommandKind kind, string pollId, Poll? definition, CancellationToken cancellationToken)
    {
        var result = await SendToWritersAsync(kind, pollId, definition, cancellationToken);
        if (result.Status == PollCommandStatus.Done)
        {
            try
            {
                await resultsCatchUp.CatchUpAsync(cancellationToken).WaitAsync(CatchUpWait, time, cancellationToken);
            }
            catch (TimeoutException)
            {
                LogResultsCatchUpSlow(logger, pollId, CatchUpWait.TotalMilliseconds);
            }
        }

        return result;
    }

    private async Task<PollCommandResult> SendToWritersAsync(PollCommandKind kind, string pollId, Poll? definition, CancellationToken cancellationToken)
    {
        // A node that has fewer clusters than the poll is spread over (a rolling restart adding a cluster, not finished)
        // could change it in some clusters only: it changes none, and the producer's 503 sends the press to another node.
        if (polls.TryGet(pollId, out var known) && known.PartitionCount > router.PartitionCount)
        {
            LogPollBeyondThisNode(logger, pollId, known.PartitionCount, router.PartitionCount);
            return new PollCommandResult(PollCommandStatus.StoreFailed, null);
        }

        // A freeze holds the count this node publishes at that moment. A node that has not read the poll's count yet (just
        // started, with a shared store) has none to hold: it must not put zeros on air, so the producer presses again. (A
        // poll it does not know at all goes on to the writers, which answer whether it exists.)
        long[]? frozen = null;
        if (kind == PollCommandKind.FreezeResults && !results.TryGetLiveTotals(pollId, out frozen) && known is not null)
        {
            LogNoCountToFreeze(logger, pollId);
            return new PollCommandResult(PollCommandStatus.StoreFailed, null);
        }

        if (router.PartitionCount == 1)
        {
            var command = new PollCommand(kind, pollId, definition) { Operator = currentOperator.Name };
            await router.EnqueuePollCommandAsync(0, command, cancellationToken);

            // Once queued, the change is the writer's: the caller leaving does not cancel it.
            return await command.Done;
        }

        // One time and one frozen count for every cluster, so they all record the same change.
        return await fanOut.SendAsync(new PollChange(kind, pollId, definition, time.GetUtcNow(), frozen, currentOperator.Name), cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Poll {PollId} not frozen: this node has not read its count yet (answered 503)")]
    private static partial void LogNoCountToFreeze(ILogger logger, string pollId);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Poll {PollId} changed, but this node's results did not show it within {WaitMs} ms: a cluster is slow to read; they show it at the next refresh")]
    private static partial void LogResultsCatchUpSlow(ILogger logger, string pollId, double waitMs);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Poll {PollId} is spread over {PollPartitions} clusters but this node has {NodePartitions}: its changes are answered 503 here (configure every cluster in LiveVote:Postgres:Partitions)")]
    private static partial void LogPollBeyondThisNode(ILogger logger, string pollId, int pollPartitions, int nodePartitions);
}
