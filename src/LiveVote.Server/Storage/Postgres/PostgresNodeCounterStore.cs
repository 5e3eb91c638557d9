using Npgsql;

namespace LiveVote.Server.Storage.Postgres;

/// <summary>
/// <c>node_counters</c> in partition 0's PostgreSQL cluster (<see cref="PostgresSchema"/>), which every node of the
/// fleet shares, through the node's data source: one row per node, so a node's write never waits for another's.
/// </summary>
internal sealed class PostgresNodeCounterStore(NpgsqlDataSource dataSource) : INodeCounterStore
{
    /// <summary>The data source never times a command out; figures must not hold a connection the votes need.</summary>
    private const int CommandTimeoutSeconds = 5;

    private const string Columns = "node, accepted, repeated, throttled, flagged, votes_per_second, updated_at";

    public async Task<NodeCounters?> ReadAsync(string node, CancellationToken cancellationToken)
    {
        await using var select = dataSource.CreateCommand($"SELECT {Columns} FROM node_counters WHERE node = $1");
        select.Bind(node);
        var rows = await ReadRowsAsync(select, cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<IReadOnlyList<NodeCounters>> ReadAllAsync(CancellationToken cancellationToken)
    {
        await using var select = dataSource.CreateCommand($"SELECT {Columns} FROM node_counters ORDER BY node");
        return await ReadRowsAsync(select, cancellationToken).ConfigureAwait(false);
    }

    public async Task WriteAsync(NodeCounters counters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(counters);
        await using var upsert = dataSource.CreateCommand($"""
            INSERT INTO node_counters ({Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (node) DO UPDATE SET accepted = excluded.accepted, repeated = excluded.repeated,
                throttled = excluded.throttled, flagged = excluded.flagged, votes_per_second = excluded.votes_per_second,
                updated_at = excluded.updated_at
            """);
        upsert.CommandTimeout = CommandTimeoutSeconds;
        upsert.Bind(counters.Node).Bind(counters.Accepted).Bind(counters.Repeated).Bind(counters.Throttled).Bind(counters.Flagged)
            .Bind(counters.VotesPerSecond).Bind(counters.UpdatedAt.ToUnixTimeMilliseconds());
        await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<List<NodeCounters>> ReadRowsAsync(NpgsqlCommand select, CancellationToken cancellationToken)
    {
        select.CommandTimeout = CommandTimeoutSeconds;
        var rows = new List<NodeCounters>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new NodeCounters(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4),
                reader.GetDouble(5), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6))));
        }

        return rows;
    }
}
