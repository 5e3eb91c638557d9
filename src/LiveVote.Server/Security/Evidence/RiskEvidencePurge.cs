using System.Data.Common;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Security.Evidence;

/// <summary>
/// Deletes risk evidence once it is older than <see cref="EvidenceOptions.EvidenceRetention"/>, at start and then every
/// <see cref="Interval"/> on each node (the deletes of two nodes of a fleet do not conflict: each deletes what both
/// would). A failed purge is logged and tried again at the next interval.
/// </summary>
internal sealed partial class RiskEvidencePurge(
    IRiskEvidenceTable table, IOptions<EvidenceOptions> options, TimeProvider time, ILogger<RiskEvidencePurge> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);

    private readonly TimeSpan _retention = options.Value.EvidenceRetention;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            do
            {
                await PurgeAsync(stoppingToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task PurgeAsync(CancellationToken stoppingToken)
    {
        try
        {
            var deleted = await table.DeleteRecordedBeforeAsync(time.GetUtcNow() - _retention, stoppingToken).ConfigureAwait(false);
            if (deleted > 0)
            {
                LogPurged(logger, deleted);
            }
        }
        catch (Exception e) when (e is DbException or TimeoutException or InvalidOperationException)
        {
            LogPurgeFailed(logger, e.GetType().Name, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} risk evidence rows past their retention.")]
    private static partial void LogPurged(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Expired risk evidence was not deleted ({Error}: {Reason}); trying again at the next interval.")]
    private static partial void LogPurgeFailed(ILogger logger, string error, string reason);
}
