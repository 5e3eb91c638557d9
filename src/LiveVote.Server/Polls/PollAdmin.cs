using LiveVote.Server.Ingest;

namespace LiveVote.Server.Polls;

/// <summary>
/// Sends the producer's poll changes to the batch writer and waits until they are durable. A new poll is spread over
/// the store partitions the node has now, for its whole life (<see cref="Poll.PartitionCount"/>).
/// </summary>
internal sealed class PollAdmin(IngestRouter router, TimeProvider time)
{
    public async Task<PollCommandResult> CreateAsync(
        string title, IEnumerable<(string Id, string Label)> options, bool showResultsToViewers, CancellationToken cancellationToken)
    {
        var poll = PollRules.Create(PollRules.NewPollId(), title, options, time.GetUtcNow(), showResultsToViewers);
        return await CreateWithIdAsync(poll, cancellationToken);
    }

    public Task<PollCommandResult> ChangeAsync(string pollId, PollCommandKind kind, CancellationToken cancellationToken) =>
        SendAsync(new PollCommand(kind, pollId, null), cancellationToken);

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
