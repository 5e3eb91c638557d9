using System.Diagnostics;
using Npgsql;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL backup tooling as shipped in <c>deploy/patroni/</c>, for restore drills: the WAL archive settings
/// read from <c>patroni.yml</c> itself (archive_mode and the very archive_command, only its folder filled in), base
/// backups by <c>basebackup.sh</c>, and waiting until the archive holds every WAL written so far. Everything runs as
/// the <c>postgres</c> user when the test runs as root, as the members do.
/// </summary>
internal static class WalArchive
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(3);

    /// <summary>An archive folder under <paramref name="parent"/>, owned by postgres.</summary>
    public static async Task<string> CreateDirectoryAsync(string parent)
    {
        var directory = Path.Combine(parent, "wal-archive");
        Directory.CreateDirectory(directory);
        await ChownToPostgresAsync(directory);
        return directory;
    }

    /// <summary>
    /// patroni.yml's <c>archive_mode</c> and <c>archive_command</c> (parsed by Python's YAML, which Patroni reads it
    /// with), with <c>{{ wal_archive_dir }}</c> set to <paramref name="archiveDirectory"/>.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, string>> SettingsAsync(string archiveDirectory)
    {
        const string Read = "import sys, yaml\n" +
            "c = yaml.safe_load(open(sys.argv[1]))\n" +
            "print(c['bootstrap']['dcs']['postgresql']['parameters']['archive_mode'])\n" +
            "print(c['postgresql']['parameters']['archive_command'])\n";
        var lines = (await ToolRun.RunCheckedAsync("/usr/bin/python3", "-c", Read, Path.Combine(DeployTemplate.PatroniDirectory, "patroni.yml")))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        const string Placeholder = "{{ wal_archive_dir }}";
        Assert.Contains(Placeholder, lines[1], StringComparison.Ordinal);
        return new Dictionary<string, string>
        {
            ["archive_mode"] = lines[0],
            ["archive_command"] = lines[1].Replace(Placeholder, archiveDirectory, StringComparison.Ordinal),
        };
    }

    /// <summary>Runs <c>deploy/patroni/basebackup.sh</c> against a server on loopback and returns the backup's folder.</summary>
    public static async Task<string> BaseBackupAsync(string backupRoot, int port)
    {
        Directory.CreateDirectory(backupRoot);
        await ChownToPostgresAsync(backupRoot);
        var result = await RunAsPostgresAsync("/bin/sh", Path.Combine(DeployTemplate.PatroniDirectory, "basebackup.sh"), backupRoot,
            "-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "postgres");
        Assert.True(result.Succeeded, $"basebackup.sh failed: {result}");
        var folder = result.Output.Trim().Split('\n')[^1];
        Assert.True(Directory.Exists(folder), $"basebackup.sh printed {folder}, which does not exist: {result}");
        return folder;
    }

    /// <summary>
    /// Closes the current WAL segment (<c>pg_switch_wal</c>) and waits until the archiver has archived it: the
    /// archive then holds every commit made before this call. Fails if the archiver ever failed.
    /// </summary>
    public static async Task WaitArchivedAsync(string connectionString, TimeSpan timeout)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        string segment;
        await using (var command = new NpgsqlCommand("SELECT pg_walfile_name(pg_switch_wal())", connection))
        {
            segment = (string)(await command.ExecuteScalarAsync())!;
        }

        var clock = Stopwatch.StartNew();
        while (true)
        {
            await using var command = new NpgsqlCommand("SELECT coalesce(last_archived_wal, ''), failed_count, coalesce(last_failed_wal, '') FROM pg_stat_archiver", connection);
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            var (archived, failed, lastFailed) = (reader.GetString(0), reader.GetInt64(1), reader.GetString(2));

            // Segment names on one timeline sort in WAL order.
            Assert.True(failed == 0, $"archive_command failed {failed} times (last on {lastFailed})");
            if (string.CompareOrdinal(archived, segment) >= 0)
            {
                return;
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"{segment} not archived within {timeout.TotalSeconds:F0} s (last archived: {archived}).");
            }

            await Task.Delay(100);
        }
    }

    public static Task<ToolResult> RunAsPostgresAsync(string file, params string[] arguments) =>
        ToolRun.RunAsync(Environment.UserName == "root"
            ? ToolRun.Start("runuser", ["-u", "postgres", "--", file, .. arguments])
            : ToolRun.Start(file, arguments), ToolTimeout);

    public static async Task ChownToPostgresAsync(string path)
    {
        if (Environment.UserName == "root")
        {
            await ToolRun.RunCheckedAsync("chown", "-R", "postgres:postgres", path);
        }
    }
}
