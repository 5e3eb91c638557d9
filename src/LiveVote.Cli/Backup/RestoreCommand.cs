using LiveVote.Cli.CommandLine;

namespace LiveVote.Cli.Backup;

/// <summary>
/// <c>restore --from &lt;file&gt; --sqlite &lt;db&gt; [--secrets &lt;path&gt;]</c>: puts a backup in place as a node's
/// database, with the server stopped (<see cref="SqliteRestore"/>). Exit 0 when restored, 1 when the backup fails
/// <c>PRAGMA integrity_check</c>, 2 for a usage error (a database already there, a server holding the lock), 3 when the
/// backup is missing or not a database.
/// </summary>
internal sealed class RestoreCommand : ICliCommand
{
    public IReadOnlyList<string> Words { get; } = ["restore"];

    public string Arguments => "--from <file> --sqlite <db> [--secrets <path>]";

    public string Summary => "Restore a backup made by 'backup' as a node's database; refuses while a server or any database file is there.";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("from", "file", "the backup file written by 'livevote backup'"),
        new("sqlite", "db", "where the node will find its database (LiveVote:Sqlite:Path); no file of that name, nor its -wal/-shm, may exist"),
        new("secrets", "path", "where to put the secrets saved with the backup (default: secrets.json beside the database, i.e. in LiveVote:DataDirectory)"),
    ];

    public async Task<int> RunAsync(ParsedOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        var backup = options.Required("from");
        var database = options.Required("sqlite");
        var outcome = await Task.Run(() => SqliteRestore.Run(backup, database, options.Value("secrets")), cancellationToken).ConfigureAwait(false);
        if (!outcome.IntegrityOk)
        {
            await output.WriteLineAsync($"FAIL: {backup} does not pass PRAGMA integrity_check; nothing was restored:").ConfigureAwait(false);
            foreach (var problem in outcome.IntegrityProblems)
            {
                await output.WriteLineAsync($"  {problem}").ConfigureAwait(false);
            }

            return ExitCodes.Failed;
        }

        await output.WriteLineAsync($"OK: restored {Path.GetFullPath(database)} ({outcome.Bytes:N0} bytes) from {backup}.").ConfigureAwait(false);
        if (outcome.SecretsWritten is { } secrets)
        {
            await output.WriteLineAsync($"Secrets restored to {secrets}.").ConfigureAwait(false);
        }

        await output.WriteLineAsync($"Next: 'livevote audit verify --sqlite {database}', then start the server with LiveVote:Sqlite:Path pointing there.").ConfigureAwait(false);
        return ExitCodes.Ok;
    }
}
