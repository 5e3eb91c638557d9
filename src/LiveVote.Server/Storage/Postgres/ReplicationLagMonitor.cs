using LiveVote.Server.Telemetry;
using Npgsql;

namespace LiveVote.Server.Storage.Postgres;

/// <summary>
/// Reads each standby's replay lag from the primary's <c>pg_stat_replication</c> every few seconds and publishes it as
/// the <c>livevote.store.replication.lag</c> gauge, so an operator sees a lagging zone before failing over to it.
/// </summary>
internal sealed partial class ReplicationLagMonitor(NpgsqlDataSource dataSource, TimeProvider time, ILogger<ReplicationLagMonitor> logger) : BackgroundService
{
    // Lag alerts fire after a minute above 5 s: a 5 s reading interval is fine enough and costs one tiny query.
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Interval, time, stoppingToken);
                LiveVoteTelemetry.ReplicationLagMeasured(await ReadAsync(dataSource, stoppingToken));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                LogReadFailed(logger, e);
            }
        }
    }

    internal static async Task<Dictionary<string, double>> ReadAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT application_name, coalesce(extract(epoch FROM replay_lag), 0)::float8 FROM pg_stat_replication");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var lags = new Dictionary<string, double>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            lags[reader.GetString(0)] = reader.GetDouble(1);
        }

        return lags;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Reading the standbys' replication lag failed")]
    private static partial void LogReadFailed(ILogger logger, Exception exception);
}
