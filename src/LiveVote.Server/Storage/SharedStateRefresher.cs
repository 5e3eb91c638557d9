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
    IVoteStore store, PollRegistry polls, ResultsHub results, IOptions<PostgresOptions> options, TimeProvider time,
    ILogger<SharedStateRefresher> logger) : BackgroundService
{
    private readonly Dictionary<string, (PollStatus Status, long Total, long ResultsRevision)> _last = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (store is not ISharedVoteStore shared)
        {
            return;
        }

        var interval = TimeSpan.FromMilliseconds(options.Value.RefreshIntervalMs);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // The writer opens (and migrates) the store at start; the first tick waits one interval for it.
                await Task.Delay(interval, time, stoppingToken);
                Apply(await shared.ReadSharedStateAsync(stoppingToken));
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
        foreach (var poll in state.Polls)
        {
            polls.Set(poll);
            var totals = state.Tallies.TryGetValue(poll.Id, out var t) ? t : new long[poll.Options.Length];
            var total = totals.Sum();
            if (_last.TryGetValue(poll.Id, out var last) && last == (poll.Status, total, poll.ResultsRevision))
            {
                continue;
            }

            _last[poll.Id] = (poll.Status, total, poll.ResultsRevision);

            // Totals and the freeze/release revision only grow and a status only moves forward, so this version is
            // monotonic and the same on every node.
            results.Report(poll, totals, (total + poll.ResultsRevision) * 4 + (long)poll.Status, now);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading polls and totals from the shared store failed; results are stale until it answers")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
