using LiveVote.Cli.Audit.Fleet;
using LiveVote.Cli.Audit.Logs;
using LiveVote.Cli.Audit.Postgres;
using LiveVote.Cli.CommandLine;
using Npgsql;

namespace LiveVote.Cli.Audit;

/// <summary>
/// <c>audit verify (--sqlite &lt;path&gt; | --postgres &lt;connection string&gt; ...) [--json]</c>: the independent recount.
/// <c>--postgres</c> given several times names the clusters of a fleet in partition order (partition 0 first): each is
/// verified as a single store would be, then across them (<see cref="FleetAuditVerifier"/>). Exit 0 when every check
/// holds, 1 when anything is wrong (the output names the first bad seq, in PostgreSQL as "chain W seq N", in a fleet as
/// "partition P chain W seq N"), 2 for a usage error, 3 when the file is missing or a cluster cannot be reached
/// (<see cref="StoreReachability"/>): nothing was checked then. <c>--key</c>, <c>--heads</c> and <c>--receipts</c> bring
/// what the operator published and viewers kept, to hold the polls' Merkle logs to (<see cref="MerkleLogsCheck"/>).
/// </summary>
internal sealed class AuditVerifyCommand : ICliCommand
{
    public IReadOnlyList<string> Words { get; } = ["audit", "verify"];

    /// <summary>Most clusters a fleet can have (the server's VoterPartitioner.MaxPartitions).</summary>
    public const int MaxPartitions = 1024;

    public string Arguments =>
        "(--sqlite <path> | --postgres <connection string> [--postgres <connection string> ...]) [--key <vkey>]... [--heads <file>] [--receipts <file>] [--json]";

    public string Summary =>
        "Recounts a LiveVote SQLite database or PostgreSQL store (or every cluster of a fleet, with the placement of each vote) from its audit hash chain(s) and checks the votes, tallies and polls tables against it (read-only).";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("sqlite", ValueName: "path", "The SQLite database file (LiveVote:Sqlite:Path). Opened read-only, never changed."),
        new("postgres", ValueName: "connection string",
            "A PostgreSQL store (LiveVote:Postgres:ConnectionString), e.g. \"Host=db;Username=auditor;Database=livevote\". Read in one read-only snapshot, never changed. "
            + "Give it once per cluster of a fleet, in partition order (LiveVote:Postgres:Partitions:0 first).",
            Repeatable: true),
        new("key", ValueName: "vkey",
            "A verifier key the operator published (verifierKey at /.well-known/livevote/audit-keys, e.g. livevote.local+1a2b3c4d+AR...): every signed head and result must verify with one. "
            + "Give every published key (rotated-out ones too). Without any, signatures are checked for form only (a warning).",
            Repeatable: true),
        new("heads", ValueName: "file",
            "The signed heads and result statements collected while the polls ran (a JSON array of signed notes, as `livevote audit heads` writes it): each must match the database's logs and still be stored."),
        new("receipts", ValueName: "file",
            "Receipts viewers kept (a JSON array of { \"poll\", \"log\", \"leaf\", \"receipt\" }): each must be the entry at its leaf, under a signed head."),
        new("json", ValueName: null, "Print a machine-readable JSON report instead of text."),
    ];

    public async Task<int> RunAsync(ParsedOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        if (options.Has("sqlite") == options.Has("postgres"))
        {
            throw new UsageException("Give exactly one of --sqlite <path> and --postgres <connection string>.");
        }

        var inputs = AuditLogInputs.FromOptions(options);
        var clusters = options.Values("postgres");
        if (clusters.Count > 1)
        {
            return await VerifyFleetAsync(clusters, inputs, options.Has("json"), output, cancellationToken).ConfigureAwait(false);
        }

        var report = options.Has("postgres")
            ? await VerifyPostgresAsync(options.Required("postgres"), inputs, cancellationToken).ConfigureAwait(false)
            : await VerifySqliteAsync(options.Required("sqlite"), inputs, cancellationToken).ConfigureAwait(false);
        await output.WriteAsync(options.Has("json") ? VerifyReportWriter.Json(report) + "\n" : VerifyReportWriter.Text(report)).ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        return report.Ok ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static async Task<int> VerifyFleetAsync(IReadOnlyList<string> clusters, AuditLogInputs inputs, bool json, TextWriter output, CancellationToken cancellationToken)
    {
        if (clusters.Count > MaxPartitions)
        {
            throw new UsageException($"--postgres is given {clusters.Count} times; a fleet has at most {MaxPartitions} clusters.");
        }

        foreach (var connectionString in clusters)
        {
            ValidateConnectionString(connectionString);
        }

        foreach (var connectionString in clusters)
        {
            await StoreReachability.EnsurePostgresAsync(connectionString, cancellationToken).ConfigureAwait(false);
        }

        var report = await Task.Run(() => FleetAuditVerifier.Verify(clusters, inputs, cancellationToken), cancellationToken).ConfigureAwait(false);
        await output.WriteAsync(json ? FleetReportWriter.Json(report) + "\n" : FleetReportWriter.Text(report)).ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        return report.Ok ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static Task<VerifyReport> VerifySqliteAsync(string path, AuditLogInputs inputs, CancellationToken cancellationToken)
    {
        StoreReachability.EnsureSqliteFile(path);
        return Task.Run(() => AuditVerifier.Verify(path, inputs, cancellationToken), cancellationToken);
    }

    private static async Task<VerifyReport> VerifyPostgresAsync(string connectionString, AuditLogInputs inputs, CancellationToken cancellationToken)
    {
        ValidateConnectionString(connectionString);
        await StoreReachability.EnsurePostgresAsync(connectionString, cancellationToken).ConfigureAwait(false);
        return await Task.Run(() => PostgresAuditVerifier.Verify(connectionString, inputs, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    private static void ValidateConnectionString(string connectionString)
    {
        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--postgres is not a valid connection string: {e.Message}");
        }
    }
}
