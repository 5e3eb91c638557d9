using LiveVote.Cli.CommandLine;

namespace LiveVote.Cli.Backup;

/// <summary>
/// <c>backup --sqlite &lt;db&gt; --to &lt;file&gt; [--secrets &lt;path&gt;]</c>: an online backup of an embedded node's
/// database while its server runs (<see cref="SqliteOnlineBackup"/>). Exit 0 when the copy is in place and passed
/// <c>PRAGMA integrity_check</c>, 1 when the check failed (nothing is left under the target name), 2 for a usage error
/// (including a target that exists), 3 when the database is missing or cannot be opened.
/// </summary>
internal sealed class BackupCommand : ICliCommand
{
    public IReadOnlyList<string> Words { get; } = ["backup"];

    public string Arguments => "--sqlite <db> --to <file> [--secrets <path>]";

    public string Summary => "Online backup of an embedded node's SQLite database (safe while the server runs), checked with PRAGMA integrity_check.";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("sqlite", "db", "the node's database (LiveVote:Sqlite:Path, by default livevote.db in LiveVote:DataDirectory)"),
        new("to", "file", "the backup file to write; must not exist (written under a temporary name, fsynced, then renamed)"),
        new("secrets", "path",
            "the node's generated secrets to save beside the backup as <file>.secrets.json (default: secrets.json beside the database, when there is one)"),
    ];

    public async Task<int> RunAsync(ParsedOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        var database = options.Required("sqlite");
        var target = options.Required("to");
        var outcome = await Task.Run(() => SqliteOnlineBackup.Run(database, target, SecretsFile(options, database)), cancellationToken).ConfigureAwait(false);
        if (!outcome.IntegrityOk)
        {
            await output.WriteLineAsync($"FAIL: the copy of {database} did not pass PRAGMA integrity_check; no backup was written:").ConfigureAwait(false);
            foreach (var problem in outcome.IntegrityProblems)
            {
                await output.WriteLineAsync($"  {problem}").ConfigureAwait(false);
            }

            return ExitCodes.Failed;
        }

        await output.WriteLineAsync($"OK: {Path.GetFullPath(target)} ({outcome.Bytes:N0} bytes), integrity_check ok.").ConfigureAwait(false);
        if (outcome.SecretsWritten is { } secrets)
        {
            await output.WriteLineAsync($"Secrets saved to {secrets} (mode 0600): protect the backup like the server's data folder.").ConfigureAwait(false);
        }

        return ExitCodes.Ok;
    }

    private static string? SecretsFile(ParsedOptions options, string database)
    {
        if (options.Value("secrets") is { } given)
        {
            return File.Exists(given) ? given : throw new UsageException($"--secrets: no such file: {given}");
        }

        var beside = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(database))!, "secrets.json");
        return File.Exists(beside) ? beside : null;
    }
}
