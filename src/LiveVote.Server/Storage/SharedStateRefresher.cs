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
/// </summary>
internal sealed partial class SharedStateRefresher(
    StoreClusters stores, PartitionPolls views, PollRegistry polls, ResultsHub results, PollFanOut fanOut, IOptions<PostgresOptions> options,
    TimeProvider time, ILogger<SharedStateRefresher> logger) : BackgroundService
{
    /// <summary>
    /// Reads missed before a partition's part is called stale: one missed read is a blip (a slow query), three (600 ms
    /// by default) mean the cluster is not answering, which the screen should be able to say.
    /// </summary>
    internal const int StaleAfterIntervals = 3;

    private readonly Dictionary<string, (PollStatus Status, long Total, long ResultsRevision, int Stale)> _last = new(StringComparer.Ordinal);
    private readonly PartitionTotals _totals = new(stores.Count);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMilliseconds(options.Value.RefreshIntervalMs);
        var shared = stores.Shared;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // The writers open (and migrate) the stores at start; the first tick waits one interval for them.
                await Task.Delay(interval, time, stoppingToken);
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
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
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
