using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Storage.Sqlite;

/// <summary>
/// <c>node_counters</c> in the node's SQLite file (created by <see cref="SqliteSchema"/> when the vote store opens the
/// file). Like the other side tables, each call opens its own short-lived connection that never creates the file, and
/// a write waits for the vote writer's lock (busy timeout) rather than failing.
/// </summary>
internal sealed class SqliteNodeCounterStore(IOptions<SqliteOptions> options, SqliteWriteTurn? writeTurn = null) : INodeCounterStore
{
    // The process's turn at the file's write lock, shared with the vote writer (one of its own when none is given).
    private readonly SqliteWriteTurn _writeTurn = writeTurn ?? new();

    private const int BusyTimeoutSeconds = 5;

    private const string Columns = "node, accepted, repeated, throttled, flagged, votes_per_second, updated_at";

    private readonly string _connectionString = SqliteSideConnection.ConnectionString(options.Value, BusyTimeoutSeconds);

    public async Task<NodeCounters?> ReadAsync(string node, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var select = connection.CreateCommand();
        select.CommandText = $"SELECT {Columns} FROM node_counters WHERE node = $node";
        select.Parameters.AddWithValue("$node", node);
        var rows = await ReadRowsAsync(select, cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<IReadOnlyList<NodeCounters>> ReadAllAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var select = connection.CreateCommand();
        select.CommandText = $"SELECT {Columns} FROM node_counters ORDER BY node";
        return await ReadRowsAsync(select, cancellationToken).ConfigureAwait(false);
    }

    public async Task WriteAsync(NodeCounters counters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(counters);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var upsert = connection.CreateCommand();
        upsert.CommandText = $"""
            INSERT INTO node_counters ({Columns}) VALUES ($node, $accepted, $repeated, $throttled, $flagged, $rate, $at)
            ON CONFLICT (node) DO UPDATE SET accepted = excluded.accepted, repeated = excluded.repeated,
                throttled = excluded.throttled, flagged = excluded.flagged, votes_per_second = excluded.votes_per_second,
                updated_at = excluded.updated_at
            """;
        upsert.Parameters.AddWithValue("$node", counters.Node);
        upsert.Parameters.AddWithValue("$accepted", counters.Accepted);
        upsert.Parameters.AddWithValue("$repeated", counters.Repeated);
        upsert.Parameters.AddWithValue("$throttled", counters.Throttled);
        upsert.Parameters.AddWithValue("$flagged", counters.Flagged);
        upsert.Parameters.AddWithValue("$rate", counters.VotesPerSecond);
        upsert.Parameters.AddWithValue("$at", counters.UpdatedAt.ToUnixTimeMilliseconds());
        using var turn = await _writeTurn.EnterAsync(cancellationToken).ConfigureAwait(false);
        await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<List<NodeCounters>> ReadRowsAsync(SqliteCommand select, CancellationToken cancellationToken)
    {
        var rows = new List<NodeCounters>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new NodeCounters(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4),
                reader.GetDouble(5), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6))));
        }

        return rows;
    }

    private Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken) =>
        SqliteSideConnection.OpenAsync(_connectionString, BusyTimeoutSeconds, "", cancellationToken);
}
