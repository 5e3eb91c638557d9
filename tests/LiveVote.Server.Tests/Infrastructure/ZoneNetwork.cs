using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// Availability zones on one machine: a bridge namespace holding a Linux bridge, one network namespace per zone joined
/// to the bridge by a veth pair, and a veth from the host's namespace to the bridge so processes on the host (LiveVote
/// nodes, HAProxy) reach every zone. The addresses live in a random /24 (<see cref="ZoneSubnet"/>) that exists only on
/// these links; every name carries a random suffix, so parallel instances never meet. A zone is cut off by taking its
/// bridge port down (this kernel has no <c>tc netem</c>): packets to and from it vanish, like a lost zone, instead of
/// being refused. Needs root. Dispose kills whatever still runs in the namespaces and deletes every namespace and link,
/// also after a failed start.
/// </summary>
internal sealed partial class ZoneNetwork : IAsyncDisposable
{
    private const string Bridge = "br0";
    private const string Uplink = "uplink";
    private const string ZoneInterface = "eth0";
    private static readonly TimeSpan ProcessesGoneTimeout = TimeSpan.FromSeconds(15);

    private readonly string _prefix;
    private readonly ZoneSubnet _subnet;
    private readonly List<string> _namespaces = [];
    private readonly List<NetworkZone> _zones = [];
    private string? _hostLink;
    private bool _disposed;

    private ZoneNetwork(string prefix, ZoneSubnet subnet)
    {
        _prefix = prefix;
        _subnet = subnet;
    }

    public IReadOnlyList<NetworkZone> Zones => _zones;

    /// <summary>The host's address on the bridge: where zone processes reach something listening on the host.</summary>
    public IPAddress HostAddress => _subnet.Address(1);

    public string BridgeNamespace => $"{_prefix}-bridge";

    /// <summary>The zones' /24 (e.g. <c>10.83.7.0/24</c>): every zone and the host's end of the bridge are inside it.</summary>
    public string Cidr => _subnet.ToString();

    public NetworkZone this[string zone] =>
        _zones.SingleOrDefault(z => z.Name == zone) ?? throw new ArgumentException($"No zone {zone}; zones: {string.Join(", ", _zones)}", nameof(zone));

    /// <summary>Builds the bridge and one zone per name; the zones' addresses are .11, .12, ... of the subnet.</summary>
    public static async Task<ZoneNetwork> CreateAsync(params string[] zoneNames)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            throw new InvalidOperationException("Zone networks need root (ip netns, veth pairs); the test suite runs as root.");
        }

        if (zoneNames.Length == 0 || zoneNames.Any(name => !ZoneName().IsMatch(name)) || zoneNames.Distinct().Count() != zoneNames.Length)
        {
            throw new ArgumentException($"Zone names must be distinct, lowercase letters, digits or _ (got {string.Join(", ", zoneNames)}).", nameof(zoneNames));
        }

        var network = new ZoneNetwork($"lvz-{RandomNumberGenerator.GetHexString(8, lowercase: true)}", await ZoneSubnet.PickFreeAsync());
        try
        {
            await network.BuildBridgeAsync();
            for (var i = 0; i < zoneNames.Length; i++)
            {
                await network.BuildZoneAsync(zoneNames[i], network._subnet.Address(11 + i), $"zone{i}");
            }

            await network.BuildHostLinkAsync();
            return network;
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }
    }

    /// <summary>Cuts <paramref name="zone"/> off from the other zones and from the host; its processes keep running.</summary>
    public Task CutAsync(string zone) => SetBridgePortAsync(this[zone], "down");

    /// <summary>Reconnects <paramref name="zone"/>; connections the cut left hanging resume or time out on their own.</summary>
    public Task HealAsync(string zone) => SetBridgePortAsync(this[zone], "up");

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_hostLink is not null)
        {
            // Deleting one end of a veth deletes both; "Cannot find device" only means it already went with the bridge.
            await ToolRun.RunAsync("ip", "link", "delete", _hostLink);
        }

        // A namespace outlives "ip netns delete" for as long as any process runs in it, and keeps its links and
        // addresses meanwhile: whatever a test left running (a killed wrapper's child, say) is killed first.
        foreach (var name in Enumerable.Reverse(_namespaces))
        {
            await KillProcessesInAsync(name);
            await ToolRun.RunAsync("ip", "netns", "delete", name);
        }

        var left = (await ToolRun.RunAsync("ip", "netns", "list")).Output.Split('\n')
            .Select(line => line.Split(' ')[0]).Where(_namespaces.Contains).ToList();
        var hostLinkLeft = _hostLink is not null && (await ToolRun.RunAsync("ip", "link", "show", _hostLink)).Succeeded;
        if (left.Count > 0 || hostLinkLeft)
        {
            throw new InvalidOperationException($"The zone network left namespaces [{string.Join(", ", left)}]{(hostLinkLeft ? $" and link {_hostLink}" : "")} behind.");
        }
    }

    private async Task BuildBridgeAsync()
    {
        await AddNamespaceAsync(BridgeNamespace);
        await Ip(BridgeNamespace, "link", "add", Bridge, "type", "bridge");
        await Ip(BridgeNamespace, "link", "set", Bridge, "up");
    }

    private async Task BuildZoneAsync(string name, IPAddress address, string bridgePort)
    {
        var zoneNamespace = $"{_prefix}-{name}";
        await AddNamespaceAsync(zoneNamespace);
        await Ip(BridgeNamespace, "link", "add", bridgePort, "type", "veth", "peer", "name", ZoneInterface, "netns", zoneNamespace);
        await Ip(BridgeNamespace, "link", "set", bridgePort, "master", Bridge);
        await Ip(BridgeNamespace, "link", "set", bridgePort, "up");
        await Ip(zoneNamespace, "addr", "add", $"{address}/24", "dev", ZoneInterface);
        await Ip(zoneNamespace, "link", "set", ZoneInterface, "up");
        _zones.Add(new NetworkZone(name, zoneNamespace, address, bridgePort));
    }

    private async Task BuildHostLinkAsync()
    {
        // Interface names are at most 15 characters: "lvz" and the 8-character suffix.
        var hostLink = _prefix.Replace("-", "", StringComparison.Ordinal);
        await ToolRun.RunCheckedAsync("ip", "link", "add", hostLink, "type", "veth", "peer", "name", Uplink, "netns", BridgeNamespace);
        _hostLink = hostLink;
        await Ip(BridgeNamespace, "link", "set", Uplink, "master", Bridge);
        await Ip(BridgeNamespace, "link", "set", Uplink, "up");
        await ToolRun.RunCheckedAsync("ip", "addr", "add", $"{HostAddress}/24", "dev", hostLink);
        await ToolRun.RunCheckedAsync("ip", "link", "set", hostLink, "up");
    }

    private async Task AddNamespaceAsync(string name)
    {
        // Recorded before it exists, so a half-made namespace is deleted too.
        _namespaces.Add(name);
        await ToolRun.RunCheckedAsync("ip", "netns", "add", name);
        await Ip(name, "link", "set", "lo", "up");
    }

    private async Task SetBridgePortAsync(NetworkZone zone, string state)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await Ip(BridgeNamespace, "link", "set", zone.BridgePort, state);
    }

    private static async Task KillProcessesInAsync(string name)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var pids = await ToolRun.RunAsync("ip", "netns", "pids", name);
            var running = pids.Succeeded
                ? pids.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(pid => int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture)).ToList()
                : [];
            if (running.Count == 0 || deadline.Elapsed > ProcessesGoneTimeout)
            {
                return;
            }

            foreach (var pid in running)
            {
                try
                {
                    using var process = Process.GetProcessById(pid);
                    process.Kill();
                }
                catch (ArgumentException)
                {
                    // Gone between the listing and the kill.
                }
                catch (InvalidOperationException)
                {
                }
            }

            await Task.Delay(100);
        }
    }

    private static Task<string> Ip(string networkNamespace, params string[] arguments) =>
        ToolRun.RunCheckedAsync("ip", ["-n", networkNamespace, .. arguments]);

    [GeneratedRegex("^[a-z0-9_]{1,16}$")]
    private static partial Regex ZoneName();
}
