using LiveVote.Cli.Audit;
using LiveVote.Cli.CommandLine;
using Microsoft.Data.Sqlite;

namespace LiveVote.Cli.Backup;

/// <summary>What a backup or restore did: the integrity check's verdict and the files written.</summary>
internal sealed record BackupOutcome(bool IntegrityOk, IReadOnlyList<string> IntegrityProblems, long Bytes, string? SecretsWritten);

/// <summary>
/// A consistent copy of a LiveVote SQLite database that a server may be writing at that very moment, through SQLite's
/// online backup API: the copy is taken in one step inside one read transaction, so it is the database as of one
/// commit, and (the file is in WAL mode) the server's writer is never blocked meanwhile. Copying the file itself would
/// not do: committed pages may still be only in the <c>-wal</c>, and a copy taken while a checkpoint runs is torn.
/// The copy is made self-contained (rollback journal, no <c>-wal</c> needed), checked with <c>PRAGMA integrity_check</c>,
/// fsynced and only then renamed to its final name.
/// </summary>
internal static class SqliteOnlineBackup
{
    public static BackupOutcome Run(string databasePath, string targetPath, string? secretsPath)
    {
        var source = Path.GetFullPath(databasePath);
        var target = Path.GetFullPath(targetPath);
        StoreReachability.EnsureSqliteFile(source);
        RefuseExisting(target);
        if (secretsPath is not null)
        {
            RefuseExisting(SecretsBeside(target));
        }

        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var temporary = DurableFile.TemporaryNameFor(target);
        try
        {
            using (var database = ReadOnlyDatabase.Prepare(source))
            {
                Copy(database.ConnectionString, source, temporary);
            }

            var problems = IntegrityProblems(temporary);
            if (problems.Count > 0)
            {
                return new BackupOutcome(false, problems, 0, null);
            }

            PublishOrRefuse(temporary, target);
            var bytes = new FileInfo(target).Length;
            string? secrets = null;
            if (secretsPath is not null)
            {
                // Written once by the server at its first start, never changed: a plain copy is a consistent one.
                secrets = SecretsBeside(target);
                DurableFile.WriteSecret(secrets, File.ReadAllBytes(secretsPath));
            }

            return new BackupOutcome(true, [], bytes, secrets);
        }
        finally
        {
            DeleteWithCompanions(temporary);
        }
    }

    /// <summary>Where a backup keeps the node's generated secrets: beside it, named after it.</summary>
    public static string SecretsBeside(string backupPath) => backupPath + ".secrets.json";

    /// <summary><c>PRAGMA integrity_check</c> on a file nobody else has open; empty when it says "ok".</summary>
    public static IReadOnlyList<string> IntegrityProblems(string path)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var check = connection.CreateCommand();
        check.CommandText = "PRAGMA integrity_check";
        var lines = new List<string>();
        using (var reader = check.ExecuteReader())
        {
            while (reader.Read())
            {
                lines.Add(reader.GetString(0));
            }
        }

        return lines is ["ok"] ? [] : lines;
    }

    public static void RefuseExisting(string path)
    {
        if (File.Exists(path) || Directory.Exists(path))
        {
            throw new UsageException($"{path} exists; refusing to overwrite it.");
        }
    }

    public static void PublishOrRefuse(string temporary, string target)
    {
        try
        {
            DurableFile.Publish(temporary, target);
        }
        catch (IOException) when (File.Exists(target))
        {
            // Someone created it since we looked: theirs stays.
            throw new UsageException($"{target} exists; refusing to overwrite it.");
        }
    }

    public static void DeleteWithCompanions(string path)
    {
        foreach (var file in new[] { path, path + "-journal", path + "-wal", path + "-shm" })
        {
            File.Delete(file);
        }
    }

    private static void Copy(string sourceConnectionString, string sourcePath, string temporary)
    {
        using var from = new SqliteConnection(sourceConnectionString);
        using var to = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = temporary, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
        to.Open();
        try
        {
            from.Open();

            // One step (-1): every page inside one read transaction of the source, so the copy is one commit's state.
            from.BackupDatabase(to);
        }
        catch (SqliteException e)
        {
            throw new CouldNotReachException($"Cannot read {sourcePath} as a SQLite database: {e.Message}", e);
        }

        using var command = to.CreateCommand();

        // The source is in WAL mode and the copy inherits it; a backup must be one file, readable on read-only media.
        command.CommandText = "PRAGMA journal_mode = DELETE";
        var mode = command.ExecuteScalar() as string;
        if (!string.Equals(mode, "delete", StringComparison.OrdinalIgnoreCase))
        {
            throw new IOException($"The copy stayed in journal mode '{mode}'.");
        }
    }
}
