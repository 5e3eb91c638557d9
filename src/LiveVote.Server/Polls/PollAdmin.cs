using LiveVote.Server.Ingest;

namespace LiveVote.Server.Polls;

/// <summary>Sends the producer's poll changes to the batch writer and waits until they are durable.</summary>
internal sealed class PollAdmin(IngestQueue queue, TimeProvider time)
{
    public async Task<PollCommandResult> CreateAsync(string title, IEnumerable<(string Id, string Label)> options, CancellationToken cancellationToken)
    {
        var poll = PollRules.Create(PollRules.NewPollId(), title, options, time.GetUtcNow());
        return await SendAsync(new PollCommand(PollCommandKind.Create, poll.Id, poll), cancellationToken);
    }

    public Task<PollCommandResult> ChangeAsync(string pollId, PollCommandKind kind, CancellationToken cancellationToken) =>
        SendAsync(new PollCommand(kind, pollId, null), cancellationToken);

    public Task<PollCommandResult> CreateWithIdAsync(Poll poll, CancellationToken cancellationToken) =>
        SendAsync(new PollCommand(PollCommandKind.Create, poll.Id, poll), cancellationToken);

    private async Task<PollCommandResult> SendAsync(PollCommand command, CancellationToken cancellationToken)
    {
        await queue.EnqueuePollCommandAsync(command, cancellationToken);

        // Once queued, the change is the writer's: the caller leaving does not cancel it.
        return await command.Done;
    }
}
