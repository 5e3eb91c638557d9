using LiveVote.Server.Ingest;

namespace LiveVote.Server.Polls;

/// <summary>
/// Sends the producer's poll changes to the batch writer and waits until they are durable. A new poll is spread over
/// the store partitions the node has now, for its whole life (<see cref="Poll.PartitionCount"/>). A change refused
/// because this node's view of the poll may be behind (unknown, or not in the state the change starts from) is tried
/// once more after the poll is read from the store (<see cref="IPollLookup"/>): another node may have changed it a
/// moment ago.
/// </summary>
internal sealed class PollAdmin(IngestRouter router, IPollLookup lookup, PollRegistry polls, TimeProvider time)
{
    public async Task<PollCommandResult> CreateAsync(
        string title, IEnumerable<(string Id, string Label)> options, bool showResultsToViewers, CancellationToken cancellationToken)
    {
        var poll = PollRules.Create(PollRules.NewPollId(), title, options, time.GetUtcNow(), showResultsToViewers);
        return await CreateWithIdAsync(poll, cancellationToken);
    }

    public async Task<PollCommandResult> ChangeAsync(string pollId, PollCommandKind kind, CancellationToken cancellationToken)
    {
        var result = await SendAsync(new PollCommand(kind, pollId, null), cancellationToken);
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
            : await SendAsync(new PollCommand(kind, pollId, null), cancellationToken);
    }

    public Task<PollCommandResult> CreateWithIdAsync(Poll poll, CancellationToken cancellationToken)
    {
        var spread = poll with { PartitionCount = router.PartitionCount };
        return SendAsync(new PollCommand(PollCommandKind.Create, spread.Id, spread), cancellationToken);
    }

    private async Task<PollCommandResult> SendAsync(PollCommand command, CancellationToken cancellationToken)
    {
        await router.EnqueuePollCommandAsync(command, cancellationToken);

        // Once queued, the change is the writer's: the caller leaving does not cancel it.
        return await command.Done;
    }
}
