using Microsoft.Data.Sqlite;

namespace LiveVote.Cli.Audit;

/// <summary>
/// Verifies a LiveVote SQLite database from its audit chain: the chain itself, the votes table against it, and the
/// tallies and polls tables against the recount (<see cref="AuditRecount"/> on a <see cref="SqliteAuditStore"/>, its one
/// chain judged in seq order by <see cref="ChainOrderJudgement"/>). Opens the file read-only (see
/// <see cref="ReadOnlyDatabase"/>) and reads everything inside one read transaction, so a database a running server is
/// still writing is checked as one consistent snapshot.
/// </summary>
internal static class AuditVerifier
{
    public static VerifyReport Verify(string databasePath, CancellationToken cancellationToken = default)
    {
        var fullPath = Path.GetFullPath(databasePath);
        var problems = new ProblemLog(namesChains: false);
        var recount = new AuditRecount(new ChainOrderJudgement(), problems);
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
        }
        catch (SqliteException e)
        {
            // Not a database, not a LiveVote one (missing table or column), or unreadable: nothing can be vouched for.
            problems.General($"cannot read {fullPath} as a LiveVote database: {e.Message}");
        }

        return recount.Report(fullPath);
    }
}
