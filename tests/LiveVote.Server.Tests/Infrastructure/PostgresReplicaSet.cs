using System.Diagnostics;
using System.Globalization;
using System.Net;
using Npgsql;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// Three PostgreSQL servers on loopback, one per "zone": a primary (zone_a) and two standbys (zone_b, zone_c) cloned
/// with <c>pg_basebackup -R</c>, streaming with synchronous replication <c>ANY 1 (zone_b, zone_c)</c>, so a commit is
/// acknowledged only once a standby has it on disk.
/// Failover is scripted here: the fast variant for tests about the store's own behaviour (a few seconds to boot, a
/// promotion on demand). Production fails over with Patroni, which <see cref="PatroniCluster"/> runs for the
/// high-availability scenarios; the script does what Patroni does on a primary's death (promote the most advanced
/// synchronous standby, repoint the others to it).
/// As root every server runs as the <c>postgres</c> user (PostgreSQL refuses root).
/// </summary>
public sealed class PostgresReplicaSet : IAsyncDisposable
{
    private const string Database = "livevote";
    private readonly HashSet<Member> _dead = [];

    private PostgresReplicaSet(string directory)
    {
        Directory = directory;
        Members = [new Member("zone_a", FreePorts.Tcp(), directory), new Member("zone_b", FreePorts.Tcp(), directory), new Member("zone_c", FreePorts.Tcp(), directory)];
        Primary = Members[0];
    }

    public string Directory { get; }

    public IReadOnlyList<Member> Members { get; }

    /// <summary>The member this script last made primary.</summary>
    public Member Primary { get; private set; }

    /// <summary>
    /// What the API nodes use: every member, and Npgsql picks the one that accepts writes. Host Recheck Seconds=1 so a
    /// host remembered as down or standby is tried again soon after a promotion (the default is 10 s).
    /// </summary>
    public string MultiHostConnectionString =>
        $"Host={string.Join(',', Members.Select(m => $"127.0.0.1:{m.Port}"))};Target Session Attributes=read-write;" +
        $"Host Recheck Seconds=1;Timeout=5;Username=postgres;Database={Database};Pooling=true;Maximum Pool Size=20";

    public static string ConnectionString(Member member) =>
        $"Host=127.0.0.1;Port={member.Port};Username=postgres;Database={Database};Pooling=false;Timeout=5;GSS Encryption Mode=Disable";

    public static async Task<PostgresReplicaSet> StartAsync()
    {
        var set = new PostgresReplicaSet(TempDirectory.Create("livevote-pg3"));
        try
        {
            await set.InitializeAsync();
            return set;
        }
        catch
        {
            await set.DisposeAsync();
            throw;
        }
    }

    /// <summary>kill -9 of the primary's postmaster (the pid on the first line of postmaster.pid): a zone dying.</summary>
    public void KillPrimary()
    {
        var pid = int.Parse(File.ReadLines(Path.Combine(Primary.DataDirectory, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        using var process = Process.GetProcessById(pid);
        process.Kill(entireProcessTree: false);
        process.WaitForExit(10_000);
    }

    /// <summary>
    /// Promotes the standby that received the most WAL (every acknowledged commit reached at least one synchronous
    /// standby, so the most advanced one holds them all) and returns it, the new primary. Its commits wait for a
    /// synchronous standby again until <see cref="RepointStandbysAsync"/> has the other one follow it.
    /// </summary>
    public async Task<Member> PromoteMostAdvancedStandbyAsync()
    {
        var standbys = Members.Where(m => m != Primary).ToArray();
        var received = new Dictionary<Member, decimal>();
        foreach (var standby in standbys)
        {
            received[standby] = await ReceivedWalAsync(standby);
        }

        var chosen = standbys.OrderByDescending(s => received[s]).First();
        await using (var connection = new NpgsqlConnection(ConnectionString(chosen)))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT pg_promote(wait => true, wait_seconds => 60)", connection);
            if (await command.ExecuteScalarAsync() is not true)
            {
                throw new InvalidOperationException($"{chosen.Name} did not finish promotion.");
            }
        }

        _dead.Add(Primary);
        Primary = chosen;
        return chosen;
    }

    /// <summary>Points every live standby at the current primary and restarts it; it follows the new timeline.</summary>
    public async Task RepointStandbysAsync()
    {
        foreach (var standby in Members.Where(m => m != Primary && !_dead.Contains(m)))
        {
            // recovery_target_timeline 'latest' (also the default) makes it switch to the promoted server's timeline.
            await WriteStandbySettingsAsync(standby, Primary);
            await RunAsync("pg_ctl", $"-D {standby.DataDirectory} -m fast -w -t 60 restart");
        }
    }

    /// <summary>
    /// Stops every standby (<c>pg_ctl stop -m fast</c>): the primary's commits then wait for a synchronous standby
    /// (wait event <c>SyncRep</c> in <c>pg_stat_activity</c>) until <see cref="StartStandbysAsync"/>.
    /// </summary>
    public async Task StopStandbysAsync()
    {
        foreach (var standby in Members.Where(m => m != Primary && !_dead.Contains(m)))
        {
            await RunAsync("pg_ctl", $"-D {standby.DataDirectory} -m fast -w -t 60 stop");
        }
    }

    /// <summary>Starts the standbys <see cref="StopStandbysAsync"/> stopped; they catch up from the primary's kept WAL.</summary>
    public async Task StartStandbysAsync()
    {
        foreach (var standby in Members.Where(m => m != Primary && !_dead.Contains(m)))
        {
            await StartMemberAsync(standby);
        }
    }

    /// <summary>Waits until <paramref name="count"/> standbys stream from the primary, with the expected sync state.</summary>
    public async Task WaitForStreamingStandbysAsync(int count, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(ConnectionString(Primary).Replace($"Database={Database}", "Database=postgres", StringComparison.Ordinal));
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand(
                    "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND sync_state IN ('sync', 'quorum')", connection);
                if ((long)(await command.ExecuteScalarAsync())! >= count)
                {
                    return;
                }
            }
            catch (NpgsqlException) when (deadline.Elapsed < timeout)
            {
            }

            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"Fewer than {count} synchronous standbys stream from {Primary.Name}.");
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var member in Members)
        {
            if (File.Exists(Path.Combine(member.DataDirectory, "postmaster.pid")))
            {
                try
                {
                    await RunAsync("pg_ctl", $"-D {member.DataDirectory} -m immediate -w stop");
                }
                catch (InvalidOperationException)
                {
                    // Killed by the test (its pid file outlives it): nothing to stop.
                }
            }
        }

        // The backends of a killed postmaster notice its death and exit by themselves.
        TempDirectory.Delete(Directory);
    }

    private async Task InitializeAsync()
    {
        if (Environment.UserName == "root")
        {
            await RunProcessAsync("chown", $"postgres:postgres {Directory}");
        }

        var primary = Members[0];
        await RunAsync("initdb", $"-D {primary.DataDirectory} -U postgres -A trust -E UTF8 --no-locale");

        // Everything but the port lives in postgresql.conf, which pg_basebackup copies: a promoted standby is then a
        // synchronous primary for the remaining standby straight away.
        await File.AppendAllTextAsync(Path.Combine(primary.DataDirectory, "postgresql.conf"), """

            listen_addresses = '127.0.0.1'
            max_connections = 200
            wal_level = replica
            max_wal_senders = 10
            hot_standby = on
            synchronous_commit = on
            synchronous_standby_names = 'ANY 1 (zone_b, zone_c)'
            wal_keep_size = 256MB

            """);
        await StartMemberAsync(primary);
        foreach (var standby in Members.Skip(1))
        {
            await RunAsync("pg_basebackup", $"-D {standby.DataDirectory} -h 127.0.0.1 -p {primary.Port} -U postgres -R -X stream -c fast");
            await WriteStandbySettingsAsync(standby, primary);
            await StartMemberAsync(standby);
        }

        await WaitForStreamingStandbysAsync(2, TimeSpan.FromSeconds(60));

        // Created once the standbys stream: with synchronous replication the commit waits for one of them.
        await RunAsync("psql", $"-h 127.0.0.1 -p {primary.Port} -U postgres -d postgres -c \"CREATE DATABASE {Database}\"");
    }

    private static async Task WriteStandbySettingsAsync(Member standby, Member primary)
    {
        // pg_basebackup -R wrote primary_conninfo without an application_name; the name is what the primary's
        // synchronous_standby_names refers to.
        var autoConf = Path.Combine(standby.DataDirectory, "postgresql.auto.conf");
        await File.WriteAllTextAsync(autoConf, $"""
            primary_conninfo = 'host=127.0.0.1 port={primary.Port} user=postgres application_name={standby.Name}'
            recovery_target_timeline = 'latest'

            """);
        if (Environment.UserName == "root")
        {
            await RunProcessAsync("chown", $"postgres:postgres {autoConf}");
        }

        File.WriteAllText(Path.Combine(standby.DataDirectory, "standby.signal"), "");
        if (Environment.UserName == "root")
        {
            await RunProcessAsync("chown", $"postgres:postgres {Path.Combine(standby.DataDirectory, "standby.signal")}");
        }
    }

    private Task StartMemberAsync(Member member) => RunAsync("pg_ctl",
        $"-D {member.DataDirectory} -l {member.LogPath} -w -t 60 -o \"-p {member.Port} -k {Directory}\" start");

    private static async Task<decimal> ReceivedWalAsync(Member standby)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(standby));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT coalesce(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()) - '0/0'::pg_lsn", connection);
        return (decimal)(await command.ExecuteScalarAsync())!;
    }

    private static async Task RunAsync(string tool, string arguments)
    {
        var path = Path.Combine(PostgresServer.BinDirectory, tool);
        if (Environment.UserName == "root")
        {
            await RunProcessAsync("runuser", $"-u postgres -- {path} {arguments}");
        }
        else
        {
            await RunProcessAsync(path, arguments);
        }
    }

    private static async Task RunProcessAsync(string file, string arguments)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments} failed ({process.ExitCode}): {await output}{await error}");
        }
    }


    /// <summary>One server: its zone name (its application_name as a standby), loopback port and data folder.</summary>
    public sealed class Member(string name, int port, string directory)
    {
        public string Name { get; } = name;

        public int Port { get; } = port;

        public string DataDirectory { get; } = Path.Combine(directory, name);

        public string LogPath { get; } = Path.Combine(directory, name + ".log");

        public override string ToString() => $"{Name} (port {Port})";
    }
}
