using LiveVote.Cli.Audit.Logs;
using Microsoft.Data.Sqlite;

namespace LiveVote.Cli.Audit;

/// <summary>
/// Verifies a LiveVote SQLite database from its audit chain: the chain itself, the votes table against it, and the
/// tallies and polls tables against the recount (<see cref="AuditRecount"/> on a <see cref="SqliteAuditStore"/>, its one
/// chain judged in seq order by <see cref="ChainOrderJudgement"/>). Opens the file read-only (see
/// <see cref="ReadOnlyDatabase"/>) and reads everything inside one read transaction, so a database a running server is
/// still writing is checked as one consistent snapshot. The polls' Merkle logs are recomputed in the same transaction and
/// held to the signed heads, receipts and results (<see cref="MerkleLogsCheck"/>).
/// </summary>
internal static class AuditVerifier
{
    public static VerifyReport Verify(string databasePath, CancellationToken cancellationToken = default) =>
        Verify(databasePath, AuditLogInputs.None, cancellationToken);

    public static VerifyReport Verify(string databasePath, AuditLogInputs inputs, CancellationToken cancellationToken = default)
    {
        var fullPath = Path.GetFullPath(databasePath);
        var problems = new ProblemLog(namesChains: false);
        var recount = new AuditRecount(new ChainOrderJudgement(), problems);
        var logs = new MerkleLogsCheck(inputs, new LogProblems(problems, fleet: false), partitions: 1);
        try
        {
            using var database = ReadOnlyDatabase.Prepare(fullPath);
            using var connection = new SqliteConnection(database.ConnectionString);
            connection.Open();
            using (var queryOnly = connection.CreateCommand())
            {
                // Belt and braces on top of the read-only open: this connection cannot change anything.
                queryOnly.CommandText = "PRAGMA query_only = ON";
                queryOnly.ExecuteNonQuery();
            }

            using var transaction = connection.BeginTransaction(deferred: true);
            recount.Run(new SqliteAuditStore(connection, transaction), cancellationToken);
            var tables = new LogTables(sql => new SqliteCommand(sql, connection, transaction), postgres: false);
            logs.ReadNotes(0, tables);
            logs.Walk(0, tables, cancellationToken);
        }
        catch (SqliteException e)
        {
            // Not a database, not a LiveVote one (missing table or column), or unreadable: nothing can be vouched for.
            problems.General($"cannot read {fullPath} as a LiveVote database: {e.Message}");
        }

        var summary = logs.Judge(recount.Totals());
        return recount.Report(fullPath) with { Logs = summary };
    }
}
