namespace LiveVote.Server.Polls;

/// <summary>
/// Where a node looks when its registry does not hold a poll as the request needs it (unknown, a draft, not yet frozen,
/// ...): with a shared store another node may have changed the poll a moment ago, and the registry learns of it only at
/// the next refresh. Asking the store before refusing keeps a vote sent right after the producer's open from getting a
/// final 404. Rare by design: only a request the registry would refuse asks.
/// </summary>
internal interface IPollLookup
{
    /// <summary>The poll as the store holds it now, applied to the registry when newer; the registry's own without a shared store.</summary>
    ValueTask<Poll?> RefreshAsync(string pollId, CancellationToken cancellationToken);
}

/// <summary>The embedded node: its registry is exactly what its one writer committed, so it is never behind.</summary>
internal sealed class RegistryPollLookup(PollRegistry polls) : IPollLookup
{
    public ValueTask<Poll?> RefreshAsync(string pollId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(polls.TryGet(pollId, out var poll) ? poll : null);
}
