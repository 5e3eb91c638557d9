using Npgsql;

namespace LiveVote.Server.Storage.Postgres;

/// <summary>
/// Reads the store's state every <see cref="Interval"/> through the node's one <see cref="NpgsqlDataSource"/> (HAProxy in
/// production, so exactly the server this node's votes go to): is it a writable primary, which member, which timeline,
/// which synchronous standbys and how far each standby lags. Readiness, the console and the <c>livevote.store.*</c>
/// gauges read <see cref="Current"/>; a later timeline than before counts as a failover.
/// </summary>
internal sealed partial class ClusterStateMonitor(
    NpgsqlDataSource dataSource, TimeProvider time, ILogger<ClusterStateMonitor> logger, int partition = 0) : BackgroundService
{
    /// <summary>
    /// Patroni's loop runs every 2 s (loop_wait) and a node-loss failover takes about 20 s: reading as often shows each
    /// step of it, and costs one tiny query every 2 s per node.
    /// </summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    // Well under the interval's patience: a server that hangs must not freeze the state (reads are safe to cancel).
    private const int ReadTimeoutSeconds = 5;

    private ClusterState _current = ClusterState.NotRead;

    public ClusterState Current => Volatile.Read(ref _current);

    /// <summary>The store partition (cluster index) this monitor reads.</summary>
    public int Partition => partition;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                Update(await ReadAsync(stoppingToken), error: null);
                await Task.Delay(Interval, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Whatever failed, the store was not read: that is the state to report. A monitor that threw would
                // stop the host (a BackgroundService's exception does), the opposite of what a node mid-failover needs.
                Update(null, e);
                try
                {
                    await Task.Delay(Interval, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private void Update(ClusterReading? reading, Exception? error)
    {
        var before = Current;
        var after = before.Next(reading, time.GetUtcNow());
        Volatile.Write(ref _current, after);
        if (after.Failovers != before.Failovers)
        {
            LogFailover(logger, before.Timeline, after.Timeline, after.Member);
        }

        // A line per change, not per reading: the state holds still for hours.
        if (after.Since != before.Since)
        {
            var summary = after.Summary();
            LogStateChanged(logger, summary, error);
        }
    }

    /// <summary>One round trip: the server's role, identity and timeline, then (on a primary) its standbys.</summary>
    internal async Task<ClusterReading> ReadAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                // The timeline of a primary is the one it writes WAL on (the WAL file name's first 8 hex digits):
                // pg_control_checkpoint() would show the new one only after the first checkpoint following a promotion.
                new NpgsqlBatchCommand("""
                    SELECT NOT pg_is_in_recovery(),
                           coalesce(host(inet_server_addr()) || ':' || inet_server_port(), 'local socket'),
                           CASE WHEN pg_is_in_recovery() THEN NULL
                                ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::bigint END,
                           current_setting('synchronous_standby_names') <> ''
                    """),

                // application_name is the Patroni member name; NULL when this role may not see other sessions (grant
                // it pg_monitor).
                new NpgsqlBatchCommand("""
                    SELECT application_name, sync_state IN ('sync', 'quorum'), coalesce(extract(epoch FROM replay_lag), 0)::float8
                    FROM pg_stat_replication WHERE application_name IS NOT NULL ORDER BY application_name
                    """),
            },
            Timeout = ReadTimeoutSeconds,
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var writable = reader.GetBoolean(0);
        var member = reader.GetString(1);
        long? timeline = reader.IsDBNull(2) ? null : reader.GetInt64(2);
        var synchronousRequired = reader.GetBoolean(3);

        await reader.NextResultAsync(cancellationToken);
        var sync = new List<string>();
        var lags = new Dictionary<string, double>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            var standby = reader.GetString(0);
            lags[standby] = reader.GetDouble(2);
            if (!reader.IsDBNull(1) && reader.GetBoolean(1))
            {
                sync.Add(standby);
            }
        }

        return new ClusterReading(writable, member, timeline, synchronousRequired, sync, lags);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Store state: {Summary}")]
    private static partial void LogStateChanged(ILogger logger, string summary, Exception? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Store failover: the primary's timeline went from {Before} to {After} (now {Member})")]
    private static partial void LogFailover(ILogger logger, long? before, long? after, string? member);
}
