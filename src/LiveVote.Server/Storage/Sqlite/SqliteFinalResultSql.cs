using LiveVote.Server.Results.Final;
using Microsoft.Data.Sqlite;

namespace LiveVote.Server.Storage.Sqlite;

/// <summary>
/// The SQLite file's SQL for the signed final result (<see cref="IFinalResultSql"/>). Its own short-lived connections
/// (not pooled, so none outlives the store's clean stop): the figures in one deferred read transaction (a WAL
/// snapshot), the statement written with <c>synchronous=FULL</c> like every commit of the store.
/// </summary>
internal sealed class SqliteFinalResultSql(string path) : IFinalResultSql
{
    private readonly string _path = Path.GetFullPath(path);

    public async Task<PartitionFigures> ReadFiguresAsync(string pollId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(SqliteOpenMode.ReadOnly, cancellationToken);
        await using var transaction = connection.BeginTransaction(deferred: true);
        SqliteCommand Command(string sql)
        {
            var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            command.Parameters.AddWithValue("$1", pollId);
            return command;
        }

        return await FigureQueries.ReadAsync(
            Command,
            "SELECT status, closed_at FROM polls WHERE id = $1",
            "SELECT option_id, count(*) FROM votes WHERE poll_id = $1 GROUP BY option_id",
            "SELECT option_id, count FROM tallies WHERE poll_id = $1",
            "SELECT option_id, count(*) FROM audit WHERE poll_id = $1 AND kind = 'vote' GROUP BY option_id",
            "SELECT count(*) FROM audit WHERE poll_id = $1 AND kind = 'vote' AND leaf IS NOT NULL",
            // The one log (chain 0): its entries, and how many distinct leaf numbers 0..entries-1 they carry.
            """
            SELECT 0, c.n, count(DISTINCT CASE WHEN a.leaf >= 0 AND a.leaf < c.n THEN a.leaf END)
            FROM audit a, (SELECT count(*) AS n FROM audit WHERE poll_id = $1) c
            WHERE a.poll_id = $1 GROUP BY c.n
            """,
            cancellationToken);
    }

    public async Task<StoredResult?> ReadResultAsync(string pollId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(SqliteOpenMode.ReadOnly, cancellationToken);
        return await ReadAsync(connection, pollId, cancellationToken);
    }

    public async Task<StoredResult> StoreResultAsync(string pollId, long atUnixMs, string statement, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(SqliteOpenMode.ReadWrite, cancellationToken);
        await using (var command = connection.CreateCommand())
        {
            // The writer holds the write lock only during its commits: wait for one to end rather than fail.
            command.CommandText = """
                PRAGMA synchronous = FULL;
                PRAGMA busy_timeout = 5000;
                INSERT INTO poll_results (poll_id, at, statement) VALUES ($1, $2, $3) ON CONFLICT (poll_id) DO NOTHING;
                """;
            command.Parameters.AddWithValue("$1", pollId);
            command.Parameters.AddWithValue("$2", atUnixMs);
            command.Parameters.AddWithValue("$3", statement);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        return await ReadAsync(connection, pollId, cancellationToken)
            ?? throw new InvalidOperationException($"The result of poll {pollId} was not stored.");
    }

    private static async Task<StoredResult?> ReadAsync(SqliteConnection connection, string pollId, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT at, statement FROM poll_results WHERE poll_id = $1";
        command.Parameters.AddWithValue("$1", pollId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new StoredResult(reader.GetInt64(0), reader.GetString(1)) : null;
    }

    private async Task<SqliteConnection> OpenAsync(SqliteOpenMode mode, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = _path,
            Mode = mode,
            Pooling = false,
        }.ToString());
        await connection.OpenAsync(cancellationToken);
        return connection;
    }
}
