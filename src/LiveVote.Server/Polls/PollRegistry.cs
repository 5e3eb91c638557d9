using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace LiveVote.Server.Polls;

/// <summary>
/// The committed state of every poll, in memory, for request threads to read without touching the store. Only the batch
/// writer sets entries, after the change is durable.
/// </summary>
public sealed class PollRegistry
{
    private readonly ConcurrentDictionary<string, Poll> _polls = new(StringComparer.Ordinal);

    public bool TryGet(string pollId, [MaybeNullWhen(false)] out Poll poll) => _polls.TryGetValue(pollId, out poll);

    public IReadOnlyList<Poll> All() => [.. _polls.Values.OrderBy(p => p.CreatedAt).ThenBy(p => p.Id, StringComparer.Ordinal)];

    public int Count => _polls.Count;

    internal void Set(Poll poll) => _polls[poll.Id] = poll;
}
