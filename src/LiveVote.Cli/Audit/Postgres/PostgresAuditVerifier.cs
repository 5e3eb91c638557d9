using System.Data;
using Npgsql;

namespace LiveVote.Cli.Audit.Postgres;

/// <summary>
/// Verifies a LiveVote PostgreSQL store: every writer's audit chain, the votes table against the vote entries (one
/// each way), every vote against its poll's definition and open/closed times, one vote per (poll, voter) over all
/// chains, the tallies (summed over writers) and the polls table against the recount, and the checkpoints that bind
/// the chain heads (<see cref="AuditRecount"/> on a <see cref="PostgresAuditStore"/>, votes placed by their times by
/// <see cref="ClockOrderJudgement"/>; then <see cref="CheckpointsCheck"/>). Everything is read in READ ONLY, REPEATABLE
/// READ transactions sharing one exported snapshot, so a store the nodes are still writing is checked as one consistent
/// state; nothing is written.
/// </summary>
internal static class PostgresAuditVerifier
{
    public static VerifyReport Verify(string connectionString, CancellationToken cancellationToken = default)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = "livevote-audit-verify", Pooling = false };
        var problems = new ProblemLog(namesChains: true);
        var recount = new AuditRecount(new ClockOrderJudgement(), problems);
        try
        {
            using var connection = new NpgsqlConnection(builder.ConnectionString);
            connection.Open();
            using var transaction = connection.BeginTransaction(IsolationLevel.RepeatableRead);
            Execute(connection, transaction, "SET TRANSACTION READ ONLY");
            var snapshot = Scalar(connection, transaction, "SELECT pg_export_snapshot()");

            // A second connection streams the votes table beside the audit table, in the very same snapshot.
            using var votesConnection = new NpgsqlConnection(builder.ConnectionString);
            votesConnection.Open();
            using var votesTransaction = votesConnection.BeginTransaction(IsolationLevel.RepeatableRead);
            Execute(votesConnection, votesTransaction, SetSnapshot(snapshot) + "; SET TRANSACTION READ ONLY");

            var checkpoints = new CheckpointsCheck();
            checkpoints.Read(connection, transaction, recount.Walk, problems);
            recount.Run(new PostgresAuditStore(connection, transaction, votesConnection, votesTransaction), cancellationToken);
            checkpoints.Judge(recount.Walk, problems);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidCastException or InvalidOperationException)
        {
            // Unreachable, not a LiveVote store (missing table or column), or a column of the wrong type: nothing can be vouched for.
            problems.General($"cannot read {Describe(builder)} as a LiveVote PostgreSQL store: {e.Message}");
        }

        return recount.Report(Describe(builder));
    }

    /// <summary>The store as the report names it: where it is, never the password.</summary>
    public static string Describe(NpgsqlConnectionStringBuilder builder) =>
        $"postgresql://{builder.Username}@{builder.Host}:{builder.Port}/{builder.Database}";

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
