using System.Data.Common;

namespace LiveVote.Server.Security.Captcha;

/// <summary>
/// Deletes used challenges once they have expired (the expiry check refuses those solutions anyway), every
/// <see cref="Interval"/> on each node, so the table holds only the last <c>ChallengeExpiry</c> of registrations. Rows
/// are kept <see cref="Grace"/> past their expiry: a node whose clock lags the purging node's still treats a challenge
/// as unexpired for that long, and must still find it used. A failed purge waits for the next interval; marks do not
/// depend on it.
/// </summary>
internal sealed partial class UsedChallengePurge(IUsedChallengeTable table, TimeProvider time, ILogger<UsedChallengePurge> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    public static readonly TimeSpan Grace = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await table.DeleteExpiredAsync(time.GetUtcNow() - Grace, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is DbException or TimeoutException or InvalidOperationException)
                {
                    LogPurgeFailed(logger, e.GetType().Name, e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Expired used challenges were not deleted ({Error}: {Reason}); trying again in a minute.")]
    private static partial void LogPurgeFailed(ILogger logger, string error, string reason);
}
