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

    /// <summary>
    /// A poll as read back from a shared store, applied unless this node already holds a later state of it. A read that
    /// started before this node's own commit (a create then an open) would otherwise put the poll back a step for one
    /// refresh interval, and votes in that window would be told it does not exist. Status only moves forward and the
    /// results revision only grows, so together they order a poll's states; a tie is taken as the newer read.
    /// </summary>
    internal void Refresh(Poll read) =>
        _polls.AddOrUpdate(read.Id, read, (_, held) => IsOlder(read, held) ? held : read);

    /// <summary>Whether <paramref name="read"/> is an earlier state of the poll than <paramref name="held"/>.</summary>
    internal static bool IsOlder(Poll read, Poll held) =>
        read.Status < held.Status || (read.Status == held.Status && read.ResultsRevision < held.ResultsRevision)
        || (read.Status == held.Status && read.ResultsRevision == held.ResultsRevision && read.VoterKeysDestroyedAt is null && held.VoterKeysDestroyedAt is not null);
}
