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

    /// <summary>The poll, unless there is none or it was deleted (<see cref="Poll.DeletedAt"/>: unknown to everyone).</summary>
    public bool TryGet(string pollId, [MaybeNullWhen(false)] out Poll poll)
    {
        if (_polls.TryGetValue(pollId, out poll) && poll.DeletedAt is null)
        {
            return true;
        }

        poll = null;
        return false;
    }

    /// <summary>The poll as held, deleted or not: for the writers and the merge of partitions, which order its states.</summary>
    internal bool TryGetHeld(string pollId, [MaybeNullWhen(false)] out Poll poll) => _polls.TryGetValue(pollId, out poll);

    /// <summary>Every poll not deleted, in creation order.</summary>
    public IReadOnlyList<Poll> All() =>
        [.. _polls.Values.Where(p => p.DeletedAt is null).OrderBy(p => p.CreatedAt).ThenBy(p => p.Id, StringComparer.Ordinal)];

    /// <summary>The poll whose join code is <paramref name="code"/> (upper-case), unless deleted.</summary>
    public bool TryGetByCode(string code, [MaybeNullWhen(false)] out Poll poll)
    {
        poll = _polls.Values.FirstOrDefault(p => p.DeletedAt is null && string.Equals(p.Code, code, StringComparison.Ordinal));
        return poll is not null;
    }

    /// <summary>Polls held, deleted ones included.</summary>
    public int Count => _polls.Count;

    internal void Set(Poll poll) => _polls[poll.Id] = poll;

    /// <summary>
    /// A poll as read back from a shared store, applied unless this node already holds a later state of it. A read that
    /// started before this node's own commit (a create then an open) would otherwise put the poll back a step for one
    /// refresh interval, and votes in that window would be told it does not exist. Status only moves forward and the
    /// results revision only grows, so together they order a poll's states (a deletion is the last); a tie is taken as the
    /// newer read.
    /// </summary>
    internal void Refresh(Poll read) =>
        _polls.AddOrUpdate(read.Id, read, (_, held) => IsOlder(read, held) ? held : read);

    /// <summary>Whether <paramref name="read"/> is an earlier state of the poll than <paramref name="held"/>.</summary>
    internal static bool IsOlder(Poll read, Poll held) =>
        read.Status < held.Status || (read.Status == held.Status && read.ResultsRevision < held.ResultsRevision)
        || (read.Status == held.Status && read.ResultsRevision == held.ResultsRevision && read.VoterKeysDestroyedAt is null && held.VoterKeysDestroyedAt is not null)
        || (read.DeletedAt is null && held.DeletedAt is not null);
}
