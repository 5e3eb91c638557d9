using System.Collections.Concurrent;
using System.Data.Common;
using System.Threading.Channels;
using LiveVote.Server.Security.Captcha;

namespace LiveVote.Server.Tests.Security.Captcha;

/// <summary>
/// A used-challenge table in memory that records what it was asked, can hold a batch (so marks queue behind it), fail
/// the next calls, and say when a purge ran and with which cutoff.
/// </summary>
internal sealed class FakeUsedChallengeTable : IUsedChallengeTable
{
    private readonly ConcurrentDictionary<string, long> _rows = new(StringComparer.Ordinal);
    private readonly Channel<DateTimeOffset> _purges = Channel.CreateUnbounded<DateTimeOffset>();
    private TaskCompletionSource _batchStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource? _gate;
    private int _failures;
    private int _purgeCount;

    /// <summary>Each batch's challenges (hex), in the order the writer sent them.</summary>
    public ConcurrentQueue<string[]> Batches { get; } = new();

    public int Count => _rows.Count;

    public int PurgeCount => Volatile.Read(ref _purgeCount);

    /// <summary>Completes when the next batch reaches the table (after <see cref="Hold"/>: while it is held).</summary>
    public Task BatchStarted => Volatile.Read(ref _batchStarted).Task;

    /// <summary>Batches wait at the table until <see cref="Release"/>.</summary>
    public void Hold()
    {
        _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _batchStarted, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    public void Release() => _gate?.TrySetResult();

    /// <summary>The next <paramref name="calls"/> calls (inserts or purges) throw as a database that cannot answer.</summary>
    public void FailNext(int calls = 1) => Interlocked.Exchange(ref _failures, calls);

    /// <summary>The cutoff of the next purge, once it has run.</summary>
    public async Task<DateTimeOffset> NextPurgeAsync() => await _purges.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

    public async Task<bool[]> InsertNewAsync(IReadOnlyList<UsedChallenge> challenges, CancellationToken cancellationToken)
    {
        Batches.Enqueue([.. challenges.Select(c => Convert.ToHexStringLower(c.Key))]);
        Volatile.Read(ref _batchStarted).TrySetResult();
        if (_gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        ThrowIfFailing();
        return [.. challenges.Select(c => _rows.TryAdd(Convert.ToHexStringLower(c.Key), c.ExpiresAtMs))];
    }

    public Task<int> DeleteExpiredAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _purgeCount);
        try
        {
            ThrowIfFailing();
            var expired = _rows.Where(row => row.Value < cutoff.ToUnixTimeMilliseconds()).Select(row => row.Key).ToList();
            return Task.FromResult(expired.Count(key => _rows.TryRemove(key, out _)));
        }
        finally
        {
            _purges.Writer.TryWrite(cutoff);
        }
    }

    private void ThrowIfFailing()
    {
        if (Interlocked.Decrement(ref _failures) >= 0)
        {
            throw new UnreachableDatabaseException();
        }

        Interlocked.Exchange(ref _failures, 0);
    }

    private sealed class UnreachableDatabaseException() : DbException("The database did not answer (test).");
}
