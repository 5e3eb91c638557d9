using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// Three (or more) etcd members, one inside each zone of a <see cref="ZoneNetwork"/>, talking to each other over the
/// zones' bridge: the DCS of the zone-cut scenario without Patroni on top, so what the cut does to etcd's quorum can be
/// checked on its own. Each zone has a network stack of its own, so etcd's standard ports are free in every zone. The
/// heartbeat and election timeout are the shipped deploy/patroni/etcd.yml's (250 ms / 2500 ms, for a shared 2-core
/// machine). Members run as root (etcd does not mind) and are killed by pid on dispose.
/// </summary>
internal sealed class ZoneEtcdCluster : IAsyncDisposable
{
    public const int ClientPort = 2379;
    public const int PeerPort = 2380;
    private static readonly TimeSpan HealthyTimeout = TimeSpan.FromSeconds(60);
    private readonly string _directory;
    private readonly List<(NetworkZone Zone, Process Process, StringBuilder Log)> _members = [];

    private ZoneEtcdCluster(string directory) => _directory = directory;

    public static async Task<ZoneEtcdCluster> StartAsync(ZoneNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var cluster = new ZoneEtcdCluster(TempDirectory.Create("livevote-zone-etcd"));
        try
        {
            var initialCluster = string.Join(',', network.Zones.Select(z => $"{MemberName(z)}=http://{z.Address}:{PeerPort}"));
            var token = Path.GetFileName(cluster._directory);
            foreach (var zone in network.Zones)
            {
                cluster.StartMember(zone, initialCluster, token);
            }

            await cluster.WaitHealthyAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public static string ClientUrl(NetworkZone zone) => $"http://{zone?.Address}:{ClientPort}";

    /// <summary>What every member logged, for failure messages.</summary>
    public string Logs => string.Join('\n', _members.Select(m => { lock (m.Log) { return $"--- {MemberName(m.Zone)} ---\n{m.Log}"; } }));

    /// <summary>
    /// Runs etcdctl (API v3) against <paramref name="endpoints"/>, from the host or, with <paramref name="from"/>, from
    /// inside that zone; a command that gets no answer gives up after <paramref name="commandTimeout"/> (default 5 s).
    /// </summary>
    public static Task<ToolResult> EtcdctlAsync(IEnumerable<NetworkZone> endpoints, NetworkZone? from, TimeSpan? commandTimeout, params string[] arguments)
    {
        var timeout = commandTimeout ?? TimeSpan.FromSeconds(5);
        var start = ToolRun.Start("etcdctl",
            [$"--endpoints={string.Join(',', endpoints.Select(ClientUrl))}", $"--command-timeout={(int)timeout.TotalMilliseconds}ms", "--dial-timeout=2s", .. arguments]);
        start.Environment["ETCDCTL_API"] = "3";
        return ToolRun.RunAsync(from is null ? start : from.Wrap(start), timeout + TimeSpan.FromSeconds(10));
    }

    /// <summary>The zone whose member is the Raft leader, as the members agree on it (asked from the host).</summary>
    public async Task<NetworkZone> LeaderZoneAsync()
    {
        var status = await EtcdctlAsync(_members.Select(m => m.Zone), null, null, "endpoint", "status", "-w", "json");
        Assert.True(status.Succeeded, $"etcdctl endpoint status: {status}");
        using var json = JsonDocument.Parse(status.Output);
        foreach (var endpoint in json.RootElement.EnumerateArray())
        {
            var member = endpoint.GetProperty("Status");
            if (member.GetProperty("header").GetProperty("member_id").GetUInt64() == member.GetProperty("leader").GetUInt64())
            {
                var url = endpoint.GetProperty("Endpoint").GetString();
                return _members.Single(m => ClientUrl(m.Zone) == url).Zone;
            }
        }

        throw new InvalidOperationException($"No member is its own leader: {status.Output}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, process, _) in _members)
        {
            try
            {
                process.Kill();
                await process.WaitForExitAsync();
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            process.Dispose();
        }

        TempDirectory.Delete(_directory);
    }

    private static string MemberName(NetworkZone zone) => $"etcd_{zone.Name}";

    private void StartMember(NetworkZone zone, string initialCluster, string token)
    {
        var (peer, client) = ($"http://{zone.Address}:{PeerPort}", ClientUrl(zone));
        var start = ToolRun.Start("etcd",
            "--name", MemberName(zone), "--data-dir", Path.Combine(_directory, zone.Name),
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--listen-client-urls", client, "--advertise-client-urls", client,
            "--initial-cluster", initialCluster, "--initial-cluster-token", token, "--initial-cluster-state", "new",
            "--heartbeat-interval", "250", "--election-timeout", "2500", "--logger", "zap", "--log-level", "warn");
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var process = Process.Start(zone.Wrap(start)) ?? throw new InvalidOperationException($"etcd did not start in {zone}.");
        var log = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(log, e.Data);
        process.ErrorDataReceived += (_, e) => Append(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _members.Add((zone, process, log));
    }

    private async Task WaitHealthyAsync()
    {
        var clock = Stopwatch.StartNew();
        ToolResult? last = null;
        while (clock.Elapsed < HealthyTimeout)
        {
            if (_members.FirstOrDefault(m => m.Process.HasExited) is { Process: not null } exited)
            {
                throw new InvalidOperationException($"etcd in {exited.Zone} exited with {exited.Process.ExitCode}:\n{Logs}");
            }

            last = await EtcdctlAsync(_members.Select(m => m.Zone), null, TimeSpan.FromSeconds(3), "endpoint", "health");
            if (last.Succeeded)
            {
                return;
            }

            await Task.Delay(250);
        }

        throw new InvalidOperationException($"etcd was not healthy within {HealthyTimeout}: {last}\n{Logs}");
    }

    private static void Append(StringBuilder log, string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                log.AppendLine(line);
            }
        }
    }
}
