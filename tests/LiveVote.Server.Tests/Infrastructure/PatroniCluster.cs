using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Npgsql;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// One store partition as production runs it, on this machine: three etcd members and three PostgreSQL members under
/// Patroni, one of each per zone (zone_a/b/c), and HAProxy in front sending connections to whichever member answers
/// Patroni's <c>GET /primary</c>. Every configuration file is rendered from the shipped templates in
/// <c>deploy/patroni/</c>. Boots in a temp folder on free ports, under a unique etcd namespace and scope (other
/// clusters may run on the machine at the same time), and waits on etcd's and Patroni's health endpoints, never on
/// fixed sleeps. Failover is Patroni's own; the test only kills things. Process logs stay in <see cref="Directory"/>
/// and their tails go into every timeout message. Dispose kills every process it started, by pid and process group.
/// Each zone's processes are started through its <see cref="ZoneHost"/>: pass other zones (e.g. network namespaces)
/// to <see cref="StartAsync"/>.
/// </summary>
public sealed class PatroniCluster : IAsyncDisposable
{
    public const string Database = "livevote";

    /// <summary>
    /// A commit that waits for the synchronous standby (it writes WAL), for probes in the <c>postgres</c> database.
    /// Never ended by a cancel or statement timeout: a cancelled wait returns as a local commit "success".
    /// </summary>
    public const string ProbeWrite = "CREATE TABLE IF NOT EXISTS ha_probe (at timestamptz); INSERT INTO ha_probe VALUES (now())";
    private static readonly TimeSpan BootDeadline = TimeSpan.FromMinutes(3);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(3) };
    private readonly string _superuserPassword = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
    private readonly string _replicationPassword = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
    private readonly ZoneHost _clientSide;
    private readonly string _allowedCidr;
    private readonly int _haproxyPort;
    private readonly int _haproxyStatsPort;
    private ZoneProcess? _haproxy;

    private PatroniCluster(string directory, IReadOnlyList<ZoneHost> zones, ZoneHost clientSide, string allowedCidr)
    {
        Directory = directory;
        _clientSide = clientSide;
        _allowedCidr = allowedCidr;
        var suffix = Path.GetFileName(directory)[^12..];
        Scope = "livevote-" + suffix;
        Namespace = "livevote-test-" + suffix;
        Etcd = zones.Select(z => new EtcdMember(z, directory, FreePorts.Tcp(), FreePorts.Tcp())).ToArray();
        Members = zones.Select(z => new PatroniMember(z, directory, FreePorts.Tcp(), FreePorts.Tcp())).ToArray();
        _haproxyPort = FreePorts.Tcp();
        _haproxyStatsPort = FreePorts.Tcp();
    }

    public string Directory { get; }

    /// <summary>Patroni's cluster name for this partition (its keys live under /<see cref="Namespace"/>/<see cref="Scope"/>).</summary>
    public string Scope { get; }

    public string Namespace { get; }

    public IReadOnlyList<EtcdMember> Etcd { get; }

    public IReadOnlyList<PatroniMember> Members { get; }

    /// <summary>
    /// The WAL archive every member's <c>archive_command</c> (deploy/patroni/patroni.yml) writes to: one folder for
    /// the three members, as a shared archive mount would be.
    /// </summary>
    public string WalArchiveDirectory => Path.Combine(Directory, "wal-archive");

    /// <summary>How long the boot took until the leader was writable through HAProxy with a synchronous standby.</summary>
    public TimeSpan BootTime { get; private set; }

    /// <summary>
    /// What LiveVote nodes use: HAProxy's single address. It forwards to the current primary only and cuts every
    /// session to a member it marks down. Timeout=5 so a connect to a dead path fails fast and the batch is retried.
    /// </summary>
    public string HaproxyConnectionString =>
        $"Host={_clientSide.Address};Port={_haproxyPort};Username=postgres;Password={_superuserPassword};Database={Database};" +
        "Timeout=5;Pooling=true;Maximum Pool Size=20";

    /// <summary>
    /// Straight to one member, bypassing HAProxy (reads on a standby, or on a fenced old primary). Without Npgsql 10's
    /// default GSSAPI attempt, which can use up the 5 s (npgsql/npgsql#6416), as the nodes' own connections do.
    /// </summary>
    public string ConnectionString(PatroniMember member, string database = Database)
    {
        ArgumentNullException.ThrowIfNull(member);
        return $"Host={member.Zone.Address};Port={member.PostgresPort};Username=postgres;Password={_superuserPassword};" +
            $"Database={database};Pooling=false;Timeout=5;GSS Encryption Mode=Disable";
    }

    public PatroniMember Member(string name) => Members.Single(m => m.Name == name);

    /// <summary>Boots the cluster; on the default three loopback zones unless <paramref name="zones"/> are given.</summary>
    /// <param name="zones">One host per zone (three): where each zone's etcd and Patroni member run.</param>
    /// <param name="clientSide">Where HAProxy runs and LiveVote nodes connect from (loopback by default).</param>
    /// <param name="allowedCidr">The addresses pg_hba.conf admits (members, HAProxy, the test).</param>
    public static async Task<PatroniCluster> StartAsync(IReadOnlyList<ZoneHost>? zones = null, ZoneHost? clientSide = null, string allowedCidr = "127.0.0.0/8")
    {
        var cluster = new PatroniCluster(
            TempDirectory.Create("livevote-patroni"),
            zones ?? [ZoneHost.Loopback("zone_a"), ZoneHost.Loopback("zone_b"), ZoneHost.Loopback("zone_c")],
            clientSide ?? ZoneHost.Loopback("clients"),
            allowedCidr);
        try
        {
            await cluster.BootAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>kill -9 of the member's Patroni daemon only: its PostgreSQL (in a session of its own) keeps running.</summary>
    public void KillPatroni(PatroniMember member)
    {
        Own(member).Patroni?.KillGroup();
    }

    /// <summary>kill -9 of the member's postmaster (its backends notice and exit); Patroni, if alive, sees the crash.</summary>
    public void KillPostmaster(PatroniMember member)
    {
        if (Own(member).PostmasterPid is { } pid)
        {
            ZoneProcess.KillPidAndGroup(pid);
        }
    }

    /// <summary>The node dies: kill -9 of Patroni first (so it cannot restart PostgreSQL), then of the postmaster.</summary>
    public void KillNode(PatroniMember member)
    {
        KillPatroni(member);
        KillPostmaster(member);
    }

    /// <summary>kill -9 of one etcd member.</summary>
    public void KillEtcd(EtcdMember member)
    {
        ArgumentNullException.ThrowIfNull(member);
        if (!Etcd.Contains(member))
        {
            throw new ArgumentException($"{member} is not an etcd member of this cluster.", nameof(member));
        }

        member.Process?.KillGroup();
    }

    /// <summary>Starts the member's Patroni again (after <see cref="KillPatroni"/> or <see cref="KillNode"/>).</summary>
    public async Task RestartPatroniAsync(PatroniMember member)
    {
        ArgumentNullException.ThrowIfNull(member);
        if (member.Patroni is { } old)
        {
            old.KillGroup();
            await old.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }

        StartPatroni(member);
    }

    /// <summary>The cluster as Patroni sees it, from the first member whose REST API answers (null if none does).</summary>
    public async Task<PatroniClusterState?> StateAsync()
    {
        foreach (var member in Members.Where(m => m.Patroni is { HasExited: false }))
        {
            try
            {
                return PatroniClusterState.Parse(await _http.GetStringAsync(new Uri(member.RestUrl, "cluster")));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
            {
            }
        }

        return null;
    }

    /// <summary>Waits for a running leader accepted by <paramref name="accept"/> (e.g. not the old one) and returns it.</summary>
    public async Task<PatroniMember> WaitForLeaderAsync(TimeSpan timeout, Func<PatroniMember, bool>? accept = null)
    {
        var state = await WaitForStateAsync(s => s.Leader is { } l && (accept?.Invoke(Member(l.Name)) ?? true), timeout, "a leader");
        return Member(state.Leader!.Name);
    }

    /// <summary>Waits until Patroni names a running synchronous standby (other than <paramref name="not"/>) and returns it.</summary>
    public async Task<PatroniMember> WaitForSyncStandbyAsync(TimeSpan timeout, PatroniMember? not = null)
    {
        var state = await WaitForStateAsync(s => s.Leader is not null && s.SyncStandby is { } sync && sync.Name != not?.Name, timeout, "a synchronous standby");
        return Member(state.SyncStandby!.Name);
    }

    /// <summary>Waits until <paramref name="member"/> runs as a replica (or synchronous standby) of the current leader.</summary>
    public async Task WaitForReplicaAsync(PatroniMember member, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(member);
        await WaitForStateAsync(
            s => s.Leader is { } l && s.Members.Any(m => m.Name == member.Name && m.Role is "replica" or "sync_standby" && m.State is "running" or "streaming" && m.Timeline == l.Timeline),
            timeout, $"{member.Name} replicating from the leader");
    }

    /// <summary>Waits until a commit through HAProxy succeeds, i.e. it reached a primary and its synchronous standby.</summary>
    public async Task WaitWritableAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        Exception? last = null;
        while (clock.Elapsed < timeout)
        {
            try
            {
                await using var connection = new NpgsqlConnection(HaproxyConnectionString
                    .Replace("Pooling=true", "Pooling=false", StringComparison.Ordinal)
                    .Replace($"Database={Database}", "Database=postgres", StringComparison.Ordinal));
                await connection.OpenAsync();

                // A row, not just a transaction id: a transaction that wrote no WAL commits without waiting for the
                // synchronous standby. The probe table lives in the postgres database, beside LiveVote's.
                await using var command = new NpgsqlCommand(ProbeWrite, connection) { CommandTimeout = 30 };
                await command.ExecuteNonQueryAsync();
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException or IOException)
            {
                last = e;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"No commit through HAProxy within {timeout.TotalSeconds:F0} s ({last?.Message}); cluster: {await StateAsync()}\n{Diagnostics()}");
    }

    /// <summary>HAProxy's view of each member ("UP", "DOWN", ...), from its stats page.</summary>
    public async Task<IReadOnlyDictionary<string, string>> HaproxyStatusAsync()
    {
        var csv = await _http.GetStringAsync(new Uri($"http://{_clientSide.Address}:{_haproxyStatsPort}/stats;csv"));
        var status = new Dictionary<string, string>();
        foreach (var line in csv.Split('\n').Where(l => l.StartsWith("livevote_primary,", StringComparison.Ordinal)))
        {
            // pxname,svname,...: the 18th field is the status.
            var fields = line.Split(',');
            if (fields.Length > 17 && fields[1] is not ("FRONTEND" or "BACKEND"))
            {
                status[fields[1]] = fields[17];
            }
        }

        return status;
    }

    /// <summary>Waits until HAProxy has marked <paramref name="member"/> down (it then cut every session to it).</summary>
    public async Task WaitMarkedDownAsync(PatroniMember member, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(member);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            try
            {
                if ((await HaproxyStatusAsync()).GetValueOrDefault(member.Name, "").StartsWith("DOWN", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"HAProxy did not mark {member.Name} down within {timeout.TotalSeconds:F0} s.\n{Diagnostics()}");
    }

    /// <summary>Whether <paramref name="member"/>'s Patroni answers <c>GET /primary</c> with 200 (what HAProxy checks).</summary>
    public async Task<bool> IsPrimaryAsync(PatroniMember member)
    {
        ArgumentNullException.ThrowIfNull(member);
        try
        {
            using var response = await _http.GetAsync(new Uri(member.RestUrl, "primary"));
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>The etcd member that is the raft leader now (etcd's <c>/v3/maintenance/status</c>).</summary>
    public async Task<EtcdMember> EtcdLeaderAsync()
    {
        foreach (var etcd in Etcd)
        {
            try
            {
                using var response = await _http.PostAsync(new Uri($"http://{etcd.ClientEndpoint}/v3/maintenance/status"), new StringContent("{}"));
                using var status = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                if (status.RootElement.GetProperty("header").GetProperty("member_id").GetString() == status.RootElement.GetProperty("leader").GetString())
                {
                    return etcd;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException or KeyNotFoundException)
            {
            }
        }

        throw new InvalidOperationException($"No etcd member says it is the raft leader.\n{Diagnostics()}");
    }

    /// <summary>
    /// Waits until <paramref name="standby"/> has replayed everything <paramref name="primary"/> has written so far
    /// (synchronous replication waits for the flush, not the replay, so a read on the standby may lag a moment).
    /// </summary>
    public async Task WaitForReplayAsync(PatroniMember standby, PatroniMember primary, TimeSpan timeout)
    {
        string lsn;
        await using (var connection = new NpgsqlConnection(ConnectionString(primary)))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT pg_current_wal_lsn()::text", connection);
            lsn = (string)(await command.ExecuteScalarAsync())!;
        }

        var clock = Stopwatch.StartNew();
        while (true)
        {
            await using (var connection = new NpgsqlConnection(ConnectionString(standby)))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand($"SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn", connection);
                if (await command.ExecuteScalarAsync() is true)
                {
                    return;
                }
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"{standby.Name} did not replay {primary.Name}'s WAL up to {lsn} within {timeout.TotalSeconds:F0} s.\n{Diagnostics()}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The tail of every log the cluster writes: etcd, Patroni, PostgreSQL, HAProxy.</summary>
    public string Diagnostics()
    {
        var tails = Etcd.Select(e => ZoneProcess.TailOf(e.LogPath, 8))
            .Concat(Members.SelectMany(m => new[] { ZoneProcess.TailOf(m.LogPath, 15) }.Concat(m.PostgresLogPath is { } log ? [ZoneProcess.TailOf(log, 10)] : [])))
            .Append(ZoneProcess.TailOf(Path.Combine(Directory, "haproxy.log"), 10));
        return string.Join('\n', tails);
    }

    public async ValueTask DisposeAsync()
    {
        // Patroni first, so none of them restarts a PostgreSQL killed next.
        foreach (var member in Members)
        {
            member.Patroni?.KillGroup();
        }

        foreach (var member in Members)
        {
            KillPostmaster(member);
        }

        _haproxy?.KillGroup();
        foreach (var etcd in Etcd)
        {
            etcd.Process?.KillGroup();
        }

        foreach (var process in Members.Select(m => m.Patroni).Concat(Etcd.Select(e => e.Process)).Append(_haproxy).OfType<ZoneProcess>())
        {
            await process.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }

        _http.Dispose();
        if (Environment.GetEnvironmentVariable("LIVEVOTE_KEEP_PATRONI") != "1")
        {
            TempDirectory.Delete(Directory);
        }
    }

    private async Task BootAsync()
    {
        var clock = Stopwatch.StartNew();
        StartEtcd();
        foreach (var etcd in Etcd)
        {
            await WaitForEtcdHealthAsync(etcd, BootDeadline - clock.Elapsed);
        }

        // Patroni runs as postgres and writes into its member folder; it also copies the post_bootstrap hook from here.
        var hook = Path.Combine(Directory, "post-bootstrap.sh");
        File.Copy(Path.Combine(DeployTemplate.PatroniDirectory, "post-bootstrap.sh"), hook);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(hook, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
            UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        System.IO.Directory.CreateDirectory(WalArchiveDirectory);
        foreach (var member in Members)
        {
            System.IO.Directory.CreateDirectory(member.Directory);
            await File.WriteAllTextAsync(member.ConfigPath, RenderPatroni(member));
        }

        await ChownToPostgresAsync(Directory);
        foreach (var member in Members)
        {
            StartPatroni(member);
        }

        StartHaproxy();
        await WaitForLeaderAsync(BootDeadline - clock.Elapsed);
        await WaitForSyncStandbyAsync(BootDeadline - clock.Elapsed);
        await WaitWritableAsync(BootDeadline - clock.Elapsed);
        BootTime = clock.Elapsed;
    }

    private void StartEtcd()
    {
        var initialCluster = string.Join(',', Etcd.Select(e => $"{e.Name}={e.PeerUrl}"));
        foreach (var etcd in Etcd)
        {
            File.WriteAllText(etcd.ConfigPath, DeployTemplate.Render("etcd.yml", new Dictionary<string, string>
            {
                ["name"] = etcd.Name,
                ["data_dir"] = etcd.DataDirectory,
                ["address"] = etcd.Zone.Address,
                ["client_port"] = Invariant(etcd.ClientPort),
                ["peer_port"] = Invariant(etcd.PeerPort),
                ["initial_cluster"] = initialCluster,
                ["cluster_token"] = Namespace,
            }));
            etcd.Process = ZoneProcess.Start(etcd.Zone, etcd.Name, etcd.LogPath, "/usr/bin/etcd", ["--config-file", etcd.ConfigPath]);
        }
    }

    private string RenderPatroni(PatroniMember member) => DeployTemplate.Render("patroni.yml", new Dictionary<string, string>
    {
        ["scope"] = Scope,
        ["namespace"] = Namespace,
        ["name"] = member.Name,
        ["address"] = member.Zone.Address,
        ["rest_port"] = Invariant(member.RestPort),
        ["pg_port"] = Invariant(member.PostgresPort),
        ["etcd_hosts"] = string.Join(',', Etcd.Select(e => e.ClientEndpoint)),
        ["deploy_dir"] = Directory,
        ["data_dir"] = member.DataDirectory,
        ["bin_dir"] = PostgresServer.BinDirectory,
        ["pgpass"] = Path.Combine(member.Directory, "pgpass"),
        ["socket_dir"] = member.Directory,
        ["allowed_cidr"] = _allowedCidr,
        ["wal_archive_dir"] = WalArchiveDirectory,
    });

    private void StartPatroni(PatroniMember member)
    {
        member.Patroni = ZoneProcess.Start(member.Zone, "patroni_" + member.Name, member.LogPath, "/usr/bin/patroni", [member.ConfigPath],
            new Dictionary<string, string>
            {
                ["PATRONI_SUPERUSER_PASSWORD"] = _superuserPassword,
                ["PATRONI_REPLICATION_PASSWORD"] = _replicationPassword,
                ["HOME"] = member.Directory,
            },
            user: Environment.UserName == "root" ? "postgres" : null,
            workingDirectory: member.Directory);
    }

    private void StartHaproxy()
    {
        var config = Path.Combine(Directory, "haproxy.cfg");
        File.WriteAllText(config, DeployTemplate.Render("haproxy.cfg", new Dictionary<string, string>
        {
            ["stats_address"] = _clientSide.Address,
            ["stats_port"] = Invariant(_haproxyStatsPort),
            ["bind_address"] = _clientSide.Address,
            ["bind_port"] = Invariant(_haproxyPort),
            ["servers"] = string.Join('\n', Members.Select(m =>
                $"    server {m.Name} {m.Zone.Address}:{m.PostgresPort} check port {m.RestPort}")),
        }));
        _haproxy = ZoneProcess.Start(_clientSide, "haproxy", Path.Combine(Directory, "haproxy.log"), "/usr/sbin/haproxy", ["-db", "-f", config]);
    }

    private async Task WaitForEtcdHealthAsync(EtcdMember etcd, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            try
            {
                if ((await _http.GetStringAsync(new Uri($"http://{etcd.ClientEndpoint}/health"))).Contains("\"true\"", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{etcd} not healthy within {timeout.TotalSeconds:F0} s.\n{Diagnostics()}");
    }

    private async Task<PatroniClusterState> WaitForStateAsync(Func<PatroniClusterState, bool> done, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        PatroniClusterState? last = null;
        while (clock.Elapsed < timeout)
        {
            last = await StateAsync() ?? last;
            if (last is not null && done(last))
            {
                return last;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"No {what} within {timeout.TotalSeconds:F0} s; last cluster state: {last}\n{Diagnostics()}");
    }

    private PatroniMember Own(PatroniMember member)
    {
        ArgumentNullException.ThrowIfNull(member);
        return Members.Contains(member) ? member : throw new ArgumentException($"{member} is not a member of this cluster.", nameof(member));
    }

    private static async Task ChownToPostgresAsync(string path)
    {
        if (Environment.UserName != "root")
        {
            return;
        }

        using var chown = Process.Start("chown", ["-R", "postgres:postgres", path]);
        await chown.WaitForExitAsync();
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
