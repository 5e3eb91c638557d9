using Npgsql;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>What the backends of a PostgreSQL server are waiting for (<c>pg_stat_activity</c>), as tests observe it.</summary>
public static class PostgresBackends
{
    /// <summary>
    /// Waits until a backend of <paramref name="applicationName"/> waits on <paramref name="waitEventType"/> (and
    /// <paramref name="waitEvent"/>, when given) and returns its pid; null when <paramref name="stopWaiting"/> holds first
    /// (the awaited request was answered without waiting). A generous deadline keeps a test from hanging.
    /// </summary>
    public static async Task<int?> WaitForAsync(
        string connectionString, string applicationName, string waitEventType, string? waitEvent, Func<bool> stopWaiting, int timeoutMs = 60_000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        await using var connection = new NpgsqlConnection(Unpooled(connectionString));
        await connection.OpenAsync();
        while (true)
        {
            await using (var command = new NpgsqlCommand("""
                SELECT pid FROM pg_stat_activity
                WHERE application_name = $1 AND wait_event_type = $2 AND ($3::text IS NULL OR wait_event = $3) AND pid <> pg_backend_pid()
                ORDER BY pid LIMIT 1
                """, connection))
            {
                command.Parameters.Add(new NpgsqlParameter { Value = applicationName });
                command.Parameters.Add(new NpgsqlParameter { Value = waitEventType });
                command.Parameters.Add(new NpgsqlParameter { Value = (object?)waitEvent ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
                if (await command.ExecuteScalarAsync() is int pid)
                {
                    return pid;
                }
            }

            if (stopWaiting())
            {
                return null;
            }

            if (Environment.TickCount64 > deadline)
            {
                throw new TimeoutException($"No backend of {applicationName} waited on {waitEventType}/{waitEvent ?? "*"} within {timeoutMs} ms.");
            }

            await Task.Delay(20);
        }
    }

    /// <summary><c>pg_cancel_backend</c>: cancels what the backend is doing now, as an operator would.</summary>
    public static async Task CancelAsync(string connectionString, int pid)
    {
        await using var connection = new NpgsqlConnection(Unpooled(connectionString));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_cancel_backend($1)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = pid });
        if (await command.ExecuteScalarAsync() is not true)
        {
            throw new InvalidOperationException($"pg_cancel_backend({pid}) found no such backend.");
        }
    }

    public static string Unpooled(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, ApplicationName = "livevote-test" }.ConnectionString;
}
