using LiveVote.Cli.CommandLine;
using Microsoft.Data.Sqlite;

namespace LiveVote.Cli.Backup;

/// <summary>
/// Puts a backup made by <see cref="SqliteOnlineBackup"/> in place as a node's database. Only into a place where no
/// database is: never over a file a server may be using, and never beside a leftover <c>-wal</c> (SQLite would replay a
/// stranger's WAL into the restored file). The server's lock file is held exclusively meanwhile, so a server cannot
/// start on the half-restored folder, and a server that is running there makes the restore refuse. The backup is
/// checked (<c>PRAGMA integrity_check</c>) before anything is written; the copy goes to a temporary name, is fsynced and
/// renamed. The node's generated secrets saved beside the backup are restored too: without the same voter-key secret
/// the restored dedup index would not recognise a returning voter.
/// </summary>
internal static class SqliteRestore
{
    public static BackupOutcome Run(string backupPath, string databasePath, string? secretsTarget)
    {
        var backup = Path.GetFullPath(backupPath);
        var target = Path.GetFullPath(databasePath);
        if (!File.Exists(backup))
        {
            throw new CouldNotReachException($"No such file: {backup}");
        }

        foreach (var leftover in new[] { target, target + "-wal", target + "-shm", target + "-journal" })
        {
            if (File.Exists(leftover))
            {
                throw new UsageException($"{leftover} exists; restore only into a place with no database (move the old files aside first).");
            }
        }

        var savedSecrets = SqliteOnlineBackup.SecretsBeside(backup);
        var secrets = File.Exists(savedSecrets) ? File.ReadAllBytes(savedSecrets) : null;
        var secretsPath = secrets is null ? null : Path.GetFullPath(secretsTarget ?? Path.Combine(Path.GetDirectoryName(target)!, "secrets.json"));
        if (secretsPath is not null && File.Exists(secretsPath) && !File.ReadAllBytes(secretsPath).AsSpan().SequenceEqual(secrets))
        {
            throw new UsageException($"{secretsPath} exists with other secrets than the backup's; move it aside first.");
        }

        IReadOnlyList<string> problems;
        try
        {
            problems = SqliteOnlineBackup.IntegrityProblems(backup);
        }
        catch (SqliteException e)
        {
            throw new CouldNotReachException($"Cannot read {backup} as a SQLite database: {e.Message}", e);
        }

        if (problems.Count > 0)
        {
            return new BackupOutcome(false, problems, 0, null);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        using var serverLock = LockOut(target + ".lock");
        var temporary = DurableFile.TemporaryNameFor(target);
        try
        {
            // A backup is a finished, self-contained file nobody writes: copying its bytes is copying the database.
            File.Copy(backup, temporary);
            SqliteOnlineBackup.PublishOrRefuse(temporary, target);
            if (secretsPath is not null && !File.Exists(secretsPath))
            {
                DurableFile.WriteSecret(secretsPath, secrets!);
            }

            return new BackupOutcome(true, [], new FileInfo(target).Length, secretsPath);
        }
        finally
        {
            SqliteOnlineBackup.DeleteWithCompanions(temporary);
        }
    }

    /// <summary>Takes the server's lock exclusively (as the server does), or refuses: a server owns that database.</summary>
    private static FileStream LockOut(string lockPath)
    {
        try
        {
            return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new UsageException($"A LiveVote server holds {lockPath}; stop it before restoring there. ({e.Message})");
        }
    }
}
