using System.Data;
using Npgsql;

namespace LiveVote.Cli.Audit.Postgres;

/// <summary>
/// One READ ONLY, REPEATABLE READ transaction on a PostgreSQL store whose snapshot is exported, so that further
/// connections (<see cref="OpenSibling"/>) read the very same state: a connection streams one result at a time, and the
/// recount streams the votes table beside the audit table. Nothing is written.
/// </summary>
internal sealed class PostgresSnapshot : IDisposable
{
    private readonly string _connectionString;
    private readonly string _snapshotId;
    private readonly List<IDisposable> _siblings = [];

    private PostgresSnapshot(string connectionString, NpgsqlConnection connection, NpgsqlTransaction transaction, string snapshotId)
    {
        _connectionString = connectionString;
        Connection = connection;
        Transaction = transaction;
        _snapshotId = snapshotId;
    }

    public NpgsqlConnection Connection { get; }

    public NpgsqlTransaction Transaction { get; }

    public static PostgresSnapshot Open(NpgsqlConnectionStringBuilder builder)
    {
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            connection.Open();
            var transaction = connection.BeginTransaction(IsolationLevel.RepeatableRead);
            Execute(connection, transaction, "SET TRANSACTION READ ONLY");
            var snapshot = Scalar(connection, transaction, "SELECT pg_export_snapshot()");
            return new PostgresSnapshot(builder.ConnectionString, connection, transaction, snapshot);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>A second connection in the same snapshot; disposed with this one.</summary>
    public (NpgsqlConnection Connection, NpgsqlTransaction Transaction) OpenSibling()
    {
        var connection = new NpgsqlConnection(_connectionString);
        _siblings.Add(connection);
        connection.Open();
        var transaction = connection.BeginTransaction(IsolationLevel.RepeatableRead);
        _siblings.Insert(0, transaction);
        Execute(connection, transaction, SetSnapshot(_snapshotId) + "; SET TRANSACTION READ ONLY");
        return (connection, transaction);
    }

    public NpgsqlCommand Command(string sql) => new(sql, Connection, Transaction);

    public void Dispose()
    {
        foreach (var sibling in _siblings)
        {
            sibling.Dispose();
        }

        Transaction.Dispose();
        Connection.Dispose();
    }

    /// <summary>
    /// <c>SET TRANSACTION SNAPSHOT</c> takes a literal, not a parameter. The id comes from the server's own
    /// <c>pg_export_snapshot()</c>; it is checked to be hex digits and dashes all the same before it is quoted in.
    /// </summary>
    private static string SetSnapshot(string snapshot) =>
        snapshot.Length > 0 && snapshot.All(c => char.IsAsciiHexDigit(c) || c == '-')
            ? $"SET TRANSACTION SNAPSHOT '{snapshot}'"
            : throw new InvalidOperationException($"Unexpected snapshot id '{snapshot}'.");

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        command.ExecuteNonQuery();
    }

    private static string Scalar(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        return (string)command.ExecuteScalar()!;
    }
}
