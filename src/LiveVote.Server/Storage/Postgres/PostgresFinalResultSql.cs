using System.Data;
using LiveVote.Server.Results.Final;
using Npgsql;

namespace LiveVote.Server.Storage.Postgres;

/// <summary>
/// One PostgreSQL cluster's SQL for the signed final result (<see cref="IFinalResultSql"/>): the figures in one
/// REPEATABLE READ snapshot, summed over every writer of the cluster; the statement inserted if absent.
/// </summary>
internal sealed class PostgresFinalResultSql(NpgsqlDataSource dataSource) : IFinalResultSql
{
    public async Task<PartitionFigures> ReadFiguresAsync(string pollId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        NpgsqlCommand Command(string sql) => new NpgsqlCommand(sql, connection, transaction).Bind(pollId);
        return await FigureQueries.ReadAsync(
            Command,
            "SELECT status, closed_at FROM polls WHERE id = $1",
            "SELECT option_id, count(*) FROM votes WHERE poll_id = $1 GROUP BY option_id",
            "SELECT option_id, sum(count)::bigint FROM tallies WHERE poll_id = $1 GROUP BY option_id",
            "SELECT option_id, count(*) FROM audit WHERE poll_id = $1 AND kind = 'vote' GROUP BY option_id",
            "SELECT count(*) FROM audit WHERE poll_id = $1 AND kind = 'vote' AND leaf IS NOT NULL",
            // Each log (writer chain): its entries, and how many distinct leaf numbers 0..entries-1 they carry.
            """
            SELECT a.writer_id, c.n, count(DISTINCT CASE WHEN a.leaf >= 0 AND a.leaf < c.n THEN a.leaf END)
            FROM audit a JOIN (SELECT writer_id, count(*) AS n FROM audit WHERE poll_id = $1 GROUP BY writer_id) c USING (writer_id)
            WHERE a.poll_id = $1 GROUP BY a.writer_id, c.n ORDER BY a.writer_id
            """,
            cancellationToken);
    }

    public async Task<StoredResult?> ReadResultAsync(string pollId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT at, statement FROM poll_results WHERE poll_id = $1");
        command.Bind(pollId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new StoredResult(reader.GetInt64(0), reader.GetString(1)) : null;
    }

    public async Task<StoredResult> StoreResultAsync(string pollId, long atUnixMs, string statement, CancellationToken cancellationToken)
    {
        await using (var command = dataSource.CreateCommand(
            "INSERT INTO poll_results (poll_id, at, statement) VALUES ($1, $2, $3) ON CONFLICT (poll_id) DO NOTHING"))
        {
            command.Bind(pollId).Bind(atUnixMs).Bind(statement);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        return await ReadResultAsync(pollId, cancellationToken)
            ?? throw new InvalidOperationException($"The result of poll {pollId} was not stored.");
    }
}
