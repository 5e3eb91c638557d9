using LiveVote.Cli.Audit.Logs;
using Npgsql;

namespace LiveVote.Cli.Audit.Postgres;

/// <summary>
/// Verifies a LiveVote PostgreSQL store: every writer's audit chain, the votes table against the vote entries (one
/// each way), every vote against its poll's definition and open/closed times, one vote per (poll, voter) over all
/// chains, the tallies (summed over writers) and the polls table against the recount, and the checkpoints that bind
/// the chain heads (<see cref="AuditRecount"/> on a <see cref="PostgresAuditStore"/>, votes placed by their times by
/// <see cref="ClockOrderJudgement"/>; then <see cref="CheckpointsCheck"/>). Everything is read in READ ONLY, REPEATABLE
/// READ transactions sharing one exported snapshot (<see cref="PostgresSnapshot"/>), so a store the nodes are still
/// writing is checked as one consistent state; nothing is written. A fleet of several clusters is verified cluster by
/// cluster with this, then across them (<see cref="Fleet.FleetAuditVerifier"/>).
/// </summary>
internal static class PostgresAuditVerifier
{
    public static VerifyReport Verify(string connectionString, CancellationToken cancellationToken = default) =>
        Verify(connectionString, AuditLogInputs.None, cancellationToken);

    public static VerifyReport Verify(string connectionString, AuditLogInputs inputs, CancellationToken cancellationToken = default)
    {
        var builder = Builder(connectionString);
        var problems = new ProblemLog(namesChains: true);
        var recount = new AuditRecount(new ClockOrderJudgement(), problems);
        var logs = new MerkleLogsCheck(inputs, new LogProblems(problems, fleet: false), partitions: 1);
        try
        {
            using var snapshot = PostgresSnapshot.Open(builder);
            Recount(snapshot, recount, problems, cancellationToken);
            var tables = LogTables(snapshot);
            logs.ReadNotes(0, tables);
            logs.Walk(0, tables, cancellationToken);
        }
        catch (Exception e) when (IsUnreadable(e))
        {
            problems.General(CannotRead(builder, e));
        }

        var summary = logs.Judge(recount.Totals());
        return recount.Report(Describe(builder)) with { Logs = summary };
    }

    /// <summary>The Merkle log tables of the store, read in the snapshot.</summary>
    public static LogTables LogTables(PostgresSnapshot snapshot) => new(snapshot.Command, postgres: true);

    /// <summary>The recount of one store in an open snapshot; throws what <see cref="IsUnreadable"/> recognises.</summary>
    public static void Recount(PostgresSnapshot snapshot, AuditRecount recount, ProblemLog problems, CancellationToken cancellationToken)
    {
        // A second connection streams the votes table beside the audit table, in the very same snapshot.
        var (votesConnection, votesTransaction) = snapshot.OpenSibling();
        var checkpoints = new CheckpointsCheck();
        checkpoints.Read(snapshot.Connection, snapshot.Transaction, recount.Walk, problems);
        recount.Run(new PostgresAuditStore(snapshot.Connection, snapshot.Transaction, votesConnection, votesTransaction), cancellationToken);
        checkpoints.Judge(recount.Walk, problems);
    }

    /// <summary>Unreachable, not a LiveVote store (missing table or column), or a column of the wrong type: nothing can be vouched for.</summary>
    public static bool IsUnreadable(Exception e) => e is NpgsqlException or InvalidCastException or InvalidOperationException;

    public static string CannotRead(NpgsqlConnectionStringBuilder builder, Exception e) =>
        $"cannot read {Describe(builder)} as a LiveVote PostgreSQL store: {e.Message}";

    /// <summary>
    /// The verifier's connection: unpooled, named, and without Npgsql 10's default attempt at GSSAPI (Kerberos)
    /// session encryption unless the string asks for it (the attempt can use up the connect timeout: npgsql/npgsql#6416).
    /// </summary>
    public static NpgsqlConnectionStringBuilder Builder(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = "livevote-audit-verify", Pooling = false };
        if (!connectionString.Contains("GSS Encryption Mode", StringComparison.OrdinalIgnoreCase) &&
            !connectionString.Contains("GssEncryptionMode", StringComparison.OrdinalIgnoreCase))
        {
            builder.GssEncryptionMode = GssEncryptionMode.Disable;
        }

        return builder;
    }

    /// <summary>The store as the report names it: where it is, never the password.</summary>
    public static string Describe(NpgsqlConnectionStringBuilder builder) =>
        $"postgresql://{builder.Username}@{builder.Host}:{builder.Port}/{builder.Database}";
}
