using LiveVote.Server.Polls;
using LiveVote.Server.Results;
using LiveVote.Server.Storage.Postgres;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Storage;

/// <summary>
/// With a shared store, reloads polls and summed totals every <see cref="PostgresOptions.RefreshIntervalMs"/> and feeds
/// the poll registry and the results hub, so all nodes converge within a second. A failed read is logged and retried at
/// the next tick: results go stale, votes are unaffected.
/// </summary>
internal sealed partial class SharedStateRefresher(
    ISharedVoteStore store, PollRegistry polls, ResultsHub results, IOptions<PostgresOptions> options, TimeProvider time,
    ILogger<SharedStateRefresher> logger) : BackgroundService
{
    private readonly Dictionary<string, (PollStatus Status, long Total, long ResultsRevision)> _last = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMilliseconds(options.Value.RefreshIntervalMs);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // The writer opens (and migrates) the store at start; the first tick waits one interval for it.
                await Task.Delay(interval, time, stoppingToken);
                Apply(await store.ReadSharedStateAsync(stoppingToken));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogRefreshFailed(logger, e);
            }
        }
    }

    internal void Apply(SharedState state)
    {
        var now = time.GetUtcNow();
        foreach (var read in state.Polls)
        {
            polls.Refresh(read);
            if (!polls.TryGet(read.Id, out var poll))
            {
                continue;
            }

            var totals = state.Tallies.TryGetValue(poll.Id, out var t) ? t : new long[poll.Options.Length];
            var total = totals.Sum();
            if (_last.TryGetValue(poll.Id, out var last) && last == (poll.Status, total, poll.ResultsRevision))
            {
                continue;
            }

            _last[poll.Id] = (poll.Status, total, poll.ResultsRevision);

            results.Report(poll, totals, SharedVersion(poll, total), now);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading polls and totals from the shared store failed; results are stale until it answers")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
