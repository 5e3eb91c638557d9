using LiveVote.Server.Polls;
using LiveVote.Server.Results;
using LiveVote.Server.Storage.Postgres;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Storage;

/// <summary>
/// With a shared store, reloads polls and totals from every partition's cluster every
/// <see cref="PostgresOptions.RefreshIntervalMs"/>, feeds each partition's view of the polls (their merge is the node's
/// registry) and publishes the totals summed over the partitions, so all nodes converge within a second. A partition
/// whose read fails keeps its last good totals and is named stale in the results after <see cref="StaleAfterIntervals"/>
/// intervals; the others' totals go on moving, and votes are unaffected. A cluster left behind the others on a poll
/// change for a few seconds is caught up (<see cref="PollFanOut.CatchUpStuck"/>).
/// <para>
/// A poll change this node committed is in its registry at once but in its results only after a read: the producer's
/// answer waits for one round that starts after the change (<see cref="CatchUpAsync"/>), so the results of a poll the
/// producer has just opened are served by this node as soon as the open is answered.
/// </para>
/// </summary>
internal sealed partial class SharedStateRefresher(
    StoreClusters stores, PartitionPolls views, PollRegistry polls, ResultsHub results, PollFanOut fanOut, IOptions<PostgresOptions> options,
    TimeProvider time, ILogger<SharedStateRefresher> logger) : BackgroundService, IResultsCatchUp
{
    /// <summary>
    /// Reads missed before a partition's part is called stale: one missed read is a blip (a slow query), three (600 ms
    /// by default) mean the cluster is not answering, which the screen should be able to say.
    /// </summary>
    internal const int StaleAfterIntervals = 3;

    private readonly Dictionary<string, (PollStatus Status, long Total, long ResultsRevision, int Stale)> _last = new(StringComparer.Ordinal);
    private readonly PartitionTotals _totals = new(stores.Count);

    // The round a caller of CatchUpAsync waits for: taken by the loop when a round starts, so a caller always waits for a
    // round that began after it asked. Completed, not replaced, once the loop has stopped.
    private readonly Lock _rounds = new();
    // Never disposed: a producer's request may still ask while the host stops (it holds no wait handle to free).
    private readonly SemaphoreSlim _asked = new(0, 1);
    private TaskCompletionSource _nextRound = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Asks for a read of every partition now and returns when it has been published.</summary>
    public Task CatchUpAsync(CancellationToken cancellationToken)
    {
        Task round;
        lock (_rounds)
        {
            round = _nextRound.Task;
        }

        if (_asked.CurrentCount == 0)
        {
            try
            {
                _asked.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another caller asked at the same moment: one round answers both.
            }
        }

        return round.WaitAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMilliseconds(options.Value.RefreshIntervalMs);
        var shared = stores.Shared;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // The writers open (and migrate) the stores at start; the first tick waits one interval for them, unless a
                // change committed by a writer (so after its store opened) asks sooner.
                await NextRoundAsync(interval, stoppingToken);
                TaskCompletionSource round;
                lock (_rounds)
                {
                    round = _nextRound;
                    _nextRound = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                try
                {
                    var reads = await Task.WhenAll(shared.Select((store, partition) => ReadAsync(store, partition, stoppingToken)));
                    var now = time.GetTimestamp();
                    for (var p = 0; p < reads.Length; p++)
                    {
                        if (reads[p] is { } state)
                        {
                            Read(p, state, now);
                        }
                    }

                    Publish(now, interval * StaleAfterIntervals);
                    fanOut.CatchUpStuck(polls.All());
                }
                finally
                {
                    round.TrySetResult();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            lock (_rounds)
            {
                _nextRound.TrySetResult();
            }
        }
    }

    /// <summary>Waits out the interval, or less when a caller asks for a round (<see cref="CatchUpAsync"/>).</summary>
    private async Task NextRoundAsync(TimeSpan interval, CancellationToken stoppingToken)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var asked = _asked.WaitAsync(either.Token);
        var waited = Task.Delay(interval, time, either.Token);
        await Task.WhenAny(asked, waited);
        await either.CancelAsync();
        stoppingToken.ThrowIfCancellationRequested();
    }

    /// <summary>One partition's polls and totals as just read.</summary>
    internal void Read(int partition, SharedState state, long timestamp)
    {
        foreach (var poll in state.Polls)
        {
            views.Read(partition, poll);
        }

        _totals.Read(partition, state.Tallies, timestamp);
    }

    /// <summary>Reports every poll whose public state changed: its totals summed over its partitions, and which parts are stale.</summary>
    internal void Publish(long timestamp, TimeSpan staleAfter)
    {
        var now = time.GetUtcNow();
        foreach (var poll in polls.All())
        {
            var totals = _totals.Sum(poll.Id, poll.Options.Length, poll.PartitionCount);
            var stale = _totals.Stale(poll.PartitionCount, timestamp, time, staleAfter);
            var total = totals.Sum();
            var seen = (poll.Status, total, poll.ResultsRevision, stale?.Count ?? 0);
            if (_last.TryGetValue(poll.Id, out var last) && last == seen)
            {
                continue;
            }

            _last[poll.Id] = seen;
            results.Report(poll, totals, SharedVersion(poll, total), now, stale);
        }
    }

    /// <summary>
    /// The public results version, the same on every node for the same public view and never going down: the
    /// freeze/release revision (only grows) in the high bits, then the public total (the frozen one while frozen, so a
    /// freeze has one version on every node however late a node saw it, while votes go on), then the status.
    /// </summary>
    internal static long SharedVersion(Poll poll, long liveTotal)
    {
        var publicTotal = poll.Frozen is { } frozen ? frozen.Totals.Sum() : liveTotal;
        return (poll.ResultsRevision << 40) + (publicTotal * 4) + (long)poll.Status;
    }

    private async Task<SharedState?> ReadAsync(ISharedVoteStore store, int partition, CancellationToken cancellationToken)
    {
        try
        {
            return await store.ReadSharedStateAsync(cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            LogRefreshFailed(logger, e, partition);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading polls and totals from partition {Partition}'s cluster failed; its part of the results is stale until it answers")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception, int partition);
}
