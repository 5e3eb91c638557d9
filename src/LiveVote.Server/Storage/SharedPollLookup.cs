using System.Collections.Concurrent;
using LiveVote.Server.Polls;

namespace LiveVote.Server.Storage;

/// <summary>
/// A fleet node's <see cref="IPollLookup"/>: reads the one poll from every partition's cluster and refreshes each
/// partition's view with it (the node's registry is their merge).
/// Concurrent requests for one poll share one read, and a poll the store did not hold as votable either is not asked
/// for again within <see cref="RecheckAfter"/>, so requests for polls that do not exist cannot turn into a stream of
/// store reads.
/// </summary>
internal sealed class SharedPollLookup(StoreClusters stores, PartitionPolls views, PollRegistry polls, TimeProvider time) : IPollLookup
{
    /// <summary>
    /// The refresher reads every poll every 200 ms by default: within that a second read would find what the first did,
    /// so a miss is remembered this long.
    /// </summary>
    internal static readonly TimeSpan RecheckAfter = TimeSpan.FromMilliseconds(200);

    /// <summary>Misses remembered at most (poll ids are at most 40 characters: about 1 MB); beyond it the memory starts over.</summary>
    private const int MaxRememberedMisses = 10_000;

    private readonly ConcurrentDictionary<string, Task<Poll?>> _reading = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _missedAt = new(StringComparer.Ordinal);

    public async ValueTask<Poll?> RefreshAsync(string pollId, CancellationToken cancellationToken)
    {
        var now = time.GetTimestamp();
        if (_missedAt.TryGetValue(pollId, out var missed) && time.GetElapsedTime(missed, now) < RecheckAfter)
        {
            return Registered(pollId);
        }

        var read = _reading.GetOrAdd(pollId, ReadAsync);
        try
        {
            // The read is shared, so one caller leaving does not cancel it for the others.
            await read.WaitAsync(cancellationToken);
        }
        finally
        {
            if (read.IsCompleted)
            {
                _reading.TryRemove(new KeyValuePair<string, Task<Poll?>>(pollId, read));
            }
        }

        var stored = await read;
        if (stored is null or { Status: PollStatus.Draft })
        {
            if (_missedAt.Count >= MaxRememberedMisses)
            {
                _missedAt.Clear();
            }

            _missedAt[pollId] = now;
        }
        else
        {
            _missedAt.TryRemove(pollId, out _);
        }

        return Registered(pollId);
    }

    /// <summary>
    /// Reads the poll from every partition and applies what each holds to its view; the node's merged view is the answer.
    /// A partition that fails (in failover) is left as it was, unless every one fails: then the store cannot say.
    /// </summary>
    private async Task<Poll?> ReadAsync(string pollId)
    {
        var shared = stores.Shared;
        var reads = shared.Select(store => store.ReadPollAsync(pollId, CancellationToken.None)).ToArray();
        try
        {
            await Task.WhenAll(reads);
        }
        catch (Exception) when (reads.Any(r => r.IsCompletedSuccessfully))
        {
            // Some partitions answered: use them.
        }

        for (var p = 0; p < reads.Length; p++)
        {
            if (reads[p].IsCompletedSuccessfully && reads[p].Result is { } poll)
            {
                views.Read(p, poll);
            }
        }

        return Registered(pollId);
    }

    private Poll? Registered(string pollId) => polls.TryGet(pollId, out var poll) ? poll : null;
}
