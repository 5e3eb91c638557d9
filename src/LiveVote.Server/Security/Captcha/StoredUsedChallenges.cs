using System.Threading.Channels;

namespace LiveVote.Server.Security.Captcha;

/// <summary>
/// The server's used-challenge set: a table in its store (<see cref="IUsedChallengeTable"/>), so a solution counts once
/// for the whole fleet and stays used across restarts. One loop writes the marks that queued meanwhile in one
/// transaction (group commit, as for votes): a burst of registrations costs one commit per batch, not one fsync per
/// viewer, and holds one database connection, never one per request (the vote path shares the pool); while marks keep
/// queuing, the table keeps that connection from batch to batch, and lets it go when the queue runs dry. When the table
/// cannot answer, or marks queue faster than it takes them, the answer is <see cref="UsedChallengeMark.Unavailable"/>:
/// registration answers 503 <c>captcha-unavailable</c> rather than risk a second use.
/// </summary>
internal sealed partial class StoredUsedChallenges : IUsedChallenges, IAsyncDisposable
{
    /// <summary>Most marks written in one transaction.</summary>
    internal const int MaxBatch = 512;

    /// <summary>Most marks waiting for the table; beyond that it is falling behind and new marks are refused.</summary>
    internal const int MaxQueued = 16_384;

    private readonly IUsedChallengeTable _table;
    private readonly ILogger<StoredUsedChallenges> _logger;
    private readonly Channel<PendingMark> _queue =
        Channel.CreateBounded<PendingMark>(new BoundedChannelOptions(MaxQueued) { SingleReader = true });

    private readonly CancellationTokenSource _stop = new();

    // The writer's working sets, reused from batch to batch (only the writer loop touches them).
    private readonly Dictionary<string, int> _firstOf = new(MaxBatch, StringComparer.Ordinal);
    private readonly List<UsedChallenge> _distinct = new(MaxBatch);
    private readonly Task _writer;

    public StoredUsedChallenges(IUsedChallengeTable table, ILogger<StoredUsedChallenges> logger)
    {
        _table = table;
        _logger = logger;
        _writer = Task.Run(WriteAsync);
    }

    public async ValueTask<UsedChallengeMark> TryMarkUsedAsync(string challenge, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(challenge);
        var mark = new PendingMark(challenge, new UsedChallenge(Convert.FromHexString(challenge), expiresAt.ToUnixTimeMilliseconds()));
        if (!_queue.Writer.TryWrite(mark))
        {
            return UsedChallengeMark.Unavailable;
        }

        return await mark.Outcome.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_queue.Writer.TryComplete())
        {
            return; // Disposed already.
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _writer.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task WriteAsync()
    {
        var batch = new List<PendingMark>(MaxBatch);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
            {
                batch.Clear();
                while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var mark))
                {
                    batch.Add(mark);
                }

                await WriteBatchAsync(batch).ConfigureAwait(false);
                if (_queue.Reader.Count == 0)
                {
                    await _table.ReleaseAsync().ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Stopping: what is still queued is refused below.
        }
        finally
        {
            await _table.ReleaseAsync().ConfigureAwait(false);
        }

        // Nothing is left waiting once the server stops: a refused mark is retried by the client, never lost silently.
        while (_queue.Reader.TryRead(out var mark))
        {
            mark.Outcome.TrySetResult(UsedChallengeMark.Unavailable);
        }
    }

    private async Task WriteBatchAsync(List<PendingMark> batch)
    {
        try
        {
            // One solution sent twice at once lands in one batch twice: only its first sending is written (and counts
            // if the table did not have it); every later one is a replay.
            var firstOf = _firstOf;
            var distinct = _distinct;
            firstOf.Clear();
            distinct.Clear();
            foreach (var mark in batch)
            {
                if (firstOf.TryAdd(mark.Challenge, distinct.Count))
                {
                    distinct.Add(mark.Used);
                }
            }

            bool[] inserted;
            try
            {
                inserted = await _table.InsertNewKeepingOpenAsync(distinct, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (!_stop.IsCancellationRequested)
            {
                // Whatever went wrong (unreachable, timed out, disk full, failover), none of these counts: fail closed.
                LogUnavailable(_logger, batch.Count, e.GetType().Name, e.Message);
                return;
            }

            // firstOf now says which sending of each challenge is answered first: remove it as it is answered.
            foreach (var mark in batch)
            {
                var first = firstOf.Remove(mark.Challenge, out var index);
                mark.Outcome.TrySetResult(first && inserted[index] ? UsedChallengeMark.Marked : UsedChallengeMark.AlreadyUsed);
            }
        }
        finally
        {
            // A failed or interrupted batch: its marks may or may not be in the table, so none counts (already answered
            // marks keep their answer).
            foreach (var mark in batch)
            {
                mark.Outcome.TrySetResult(UsedChallengeMark.Unavailable);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "The used-challenge table did not answer ({Error}: {Reason}): {Count} registrations refused with 503 captcha-unavailable.")]
    private static partial void LogUnavailable(ILogger logger, int count, string error, string reason);

    private sealed class PendingMark(string challenge, UsedChallenge used)
    {
        public string Challenge => challenge;

        public UsedChallenge Used => used;

        public TaskCompletionSource<UsedChallengeMark> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
