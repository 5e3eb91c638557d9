using Npgsql;

namespace LiveVote.Server.Storage.Postgres;

/// <summary>
/// Runs before the writers start: migrates every configured cluster, reads what each records about itself and refuses
/// to start (the host's start fails with the reason) when the configured map disagrees (<see cref="ClusterMapRule"/>).
/// Otherwise it records each cluster's index and the node's map where they are new (a new cluster appended) and tells
/// each store which cluster it must be: a writer that reconnects checks it again, so a connection string later pointed
/// at another cluster (a DNS or HAProxy mistake) fails its commits instead of writing there.
/// </summary>
internal sealed partial class ClusterMapGuard(PostgresClusters clusters, StoreClusters stores, ILogger<ClusterMapGuard> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var sources = clusters.DataSources;
        var recorded = new RecordedIdentity[sources.Count];
        for (var i = 0; i < sources.Count; i++)
        {
            await PostgresSchema.MigrateAsync(sources[i], cancellationToken);
            recorded[i] = await ReadAsync(sources[i], cancellationToken);
        }

        if (ClusterMapRule.Problem(recorded) is { } problem)
        {
            throw new InvalidOperationException(problem);
        }

        var map = ClusterMapRule.Format(recorded.Select(r => r.ClusterId));
        for (var i = 0; i < sources.Count; i++)
        {
            await RecordAsync(sources[i], i, recorded[i].ClusterId, map, cancellationToken);
            ((PostgresVoteStore)stores[i]).ClusterId = recorded[i].ClusterId;
        }

        LogMapped(logger, sources.Count, map);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static async Task<RecordedIdentity> ReadAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT cluster_id, partition_index, map FROM cluster_identity");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new RecordedIdentity(
            reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetInt32(1), ClusterMapRule.Parse(reader.IsDBNull(2) ? null : reader.GetString(2)));
    }

    /// <summary>
    /// Records the index and the map under the row's lock, checking again what another node starting at the same time
    /// may have recorded meanwhile: a longer map is never replaced by a shorter one.
    /// </summary>
    private static async Task RecordAsync(NpgsqlDataSource dataSource, int partition, Guid clusterId, string map, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand("SELECT partition_index, map FROM cluster_identity FOR UPDATE", connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            var index = reader.IsDBNull(0) ? (int?)null : reader.GetInt32(0);
            var held = reader.IsDBNull(1) ? "" : reader.GetString(1);
            if ((index is { } i && i != partition) || !map.StartsWith(held, StringComparison.Ordinal))
            {
                throw new InvalidOperationException(
                    $"Another node recorded a different map in partition {partition}'s cluster ({clusterId}) while this one started: {held}");
            }

            if (index is not null && held.Length >= map.Length)
            {
                return;
            }
        }

        await using (var update = new NpgsqlCommand("UPDATE cluster_identity SET partition_index = $1, map = $2", connection, transaction))
        {
            update.Bind(partition).Bind(map);
            await update.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Store map checked: {Partitions} cluster(s), map {Map}")]
    private static partial void LogMapped(ILogger logger, int partitions, string map);
}
