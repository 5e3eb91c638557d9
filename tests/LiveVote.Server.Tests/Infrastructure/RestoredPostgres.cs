using System.Diagnostics;
using System.Globalization;
using System.Net;
using Npgsql;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// The restore procedure of deploy/patroni/README.md, as a standalone PostgreSQL on a free loopback port: a
/// <c>basebackup.sh</c> folder checked against its SHA256SUMS, unpacked into a fresh data directory, started with
/// <c>recovery.signal</c> and a <c>restore_command</c> reading the WAL archive, up to the end of the archive or to a
/// named restore point, then promoted. Archiving is off on the copy (it must never write into the archive it reads).
/// Dispose stops it (by its data directory) and removes its folder.
/// </summary>
internal sealed class RestoredPostgres : IAsyncDisposable
{
    private RestoredPostgres(string directory, int port)
    {
        Directory = directory;
        Port = port;
    }

    public string Directory { get; }

    public int Port { get; }

    public string DataDirectory => Path.Combine(Directory, "data");

    public string ConnectionString(string database = "livevote") =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=false;GSS Encryption Mode=Disable";

    /// <summary>Restores <paramref name="backup"/> and replays <paramref name="archive"/> to its end, or to <paramref name="restorePoint"/>.</summary>
    public static async Task<RestoredPostgres> StartAsync(string backup, string archive, string? restorePoint, TimeSpan timeout)
    {
        var restored = new RestoredPostgres(TempDirectory.Create("livevote-restore"), FreePorts.Tcp());
        try
        {
            await restored.RestoreAsync(backup, archive, restorePoint, timeout);
            return restored;
        }
        catch
        {
            await restored.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            await WalArchive.RunAsPostgresAsync(Path.Combine(PostgresServer.BinDirectory, "pg_ctl"), "-D", DataDirectory, "-m", "immediate", "-w", "stop");
        }

        TempDirectory.Delete(Directory);
    }

    private async Task RestoreAsync(string backup, string archive, string? restorePoint, TimeSpan timeout)
    {
        var sums = await ToolRun.RunAsync(new ProcessStartInfo("sha256sum", ["-c", "SHA256SUMS"]) { WorkingDirectory = backup });
        Assert.True(sums.Succeeded, $"backup {backup} does not match its SHA256SUMS: {sums}");

        System.IO.Directory.CreateDirectory(DataDirectory);
        await WalArchive.ChownToPostgresAsync(Directory);
        await Checked(WalArchive.RunAsPostgresAsync("chmod", "700", DataDirectory));
        await Checked(WalArchive.RunAsPostgresAsync("tar", "-xzf", Path.Combine(backup, "base.tar.gz"), "-C", DataDirectory));
        await Checked(WalArchive.RunAsPostgresAsync("tar", "-xzf", Path.Combine(backup, "pg_wal.tar.gz"), "-C", Path.Combine(DataDirectory, "pg_wal")));

        // The last setting wins: these override what the backup's postgresql.conf says (its archive settings).
        var settings = new List<string>
        {
            $"port = {Port.ToString(CultureInfo.InvariantCulture)}",
            "listen_addresses = '127.0.0.1'",
            $"unix_socket_directories = '{Directory}'",
            "archive_mode = 'off'",

            // No queries while it replays: a hot standby must match the primary's max_connections (and a few more),
            // which the backup's postgresql.conf may not show (Patroni passes them on the command line).
            "hot_standby = 'off'",
            $"restore_command = 'cp \"{archive}/%f\" \"%p\"'",
            "recovery_target_action = 'promote'",
        };
        if (restorePoint is not null)
        {
            settings.Add($"recovery_target_name = '{restorePoint}'");
        }

        await Checked(WalArchive.RunAsPostgresAsync("/bin/sh",
            ["-c", $"printf '%s\\n' \"$@\" >> {DataDirectory}/postgresql.auto.conf && touch {DataDirectory}/recovery.signal", "sh", .. settings]));
        await Checked(WalArchive.RunAsPostgresAsync(Path.Combine(PostgresServer.BinDirectory, "pg_ctl"),
            "-D", DataDirectory, "-l", Path.Combine(Directory, "log"), "-w", "-t", "120", "start"));

        // pg_ctl returns once the postmaster runs; connections are accepted once recovery ends with the promotion.
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("SELECT pg_is_in_recovery()", connection);
                if (await command.ExecuteScalarAsync() is false)
                {
                    return;
                }
            }
            catch (NpgsqlException) when (clock.Elapsed < timeout)
            {
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"the restored copy did not finish recovery within {timeout.TotalSeconds:F0} s:\n{ZoneProcess.TailOf(Path.Combine(Directory, "log"), 30)}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>The copy's own log, for a failed assertion's message.</summary>
    public string Log() => ZoneProcess.TailOf(Path.Combine(Directory, "log"), 30);

    private async Task Checked(Task<ToolResult> run)
    {
        var result = await run;
        Assert.True(result.Succeeded, $"{result}\n{Log()}");
    }
}
