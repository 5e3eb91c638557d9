using LiveVote.Cli.CommandLine;

namespace LiveVote.Cli.Audit;

/// <summary>
/// <c>audit verify --sqlite &lt;path&gt; [--json]</c>: the independent recount. Exit 0 when every check holds, 1 when
/// anything is wrong (the output names the first bad seq), 2 for a usage error.
/// </summary>
internal sealed class AuditVerifyCommand : ICliCommand
{
    public IReadOnlyList<string> Words { get; } = ["audit", "verify"];

    public string Arguments => "--sqlite <path> [--json]";

    public string Summary =>
        "Recounts a LiveVote SQLite database from its audit hash chain and checks the votes, tallies and polls tables against it (read-only).";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("sqlite", ValueName: "path", "The SQLite database file (LiveVote:Sqlite:Path). Opened read-only, never changed."),
        new("json", ValueName: null, "Print a machine-readable JSON report instead of text."),
    ];

    public async Task<int> RunAsync(ParsedOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        var path = options.Required("sqlite");
        if (!File.Exists(path))
        {
            throw new UsageException($"No such file: {path}");
        }

        var report = await Task.Run(() => AuditVerifier.Verify(path, cancellationToken), cancellationToken).ConfigureAwait(false);
        await output.WriteAsync(options.Has("json") ? VerifyReportWriter.Json(report) + "\n" : VerifyReportWriter.Text(report)).ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        return report.Ok ? ExitCodes.Ok : ExitCodes.Failed;
    }
}
