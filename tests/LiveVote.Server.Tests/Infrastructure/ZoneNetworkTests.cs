using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// The zone network the zone-cut scenario stands on, checked for real: a TCP listener inside one zone, reached from the
/// host and from another zone's namespace, unreachable while its zone is cut, reachable again after the heal; and
/// nothing left behind afterwards, even when a process inside a zone outlived its killed parent.
/// </summary>
public sealed class ZoneNetworkTests
{
    private const int ListenerPort = 7000;
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan HealDeadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ListenerInAZone_IsReachableFromHostAndOtherZone_NotWhileCut_AgainAfterHeal()
    {
        await using var network = await ZoneNetwork.CreateAsync("zone_a", "zone_b", "zone_c");
        var (a, b) = (network["zone_a"], network["zone_b"]);
        Assert.NotEqual(a.Address, b.Address);
        using var listener = await StartListenerAsync(a);

        // Connected: the bridge carries the host's and zone b's connections to zone a.
        Assert.True(await EventuallyAsync(() => ConnectsFromHostAsync(a.Address)), "the host never reached zone a's listener");
        Assert.True(await EventuallyAsync(() => ConnectsFromZoneAsync(b, a.Address)), "zone b never reached zone a's listener");

        // Cut: zone a's bridge port is down, so nothing gets in; zone b still reaches the host's side (its link is up).
        await network.CutAsync("zone_a");
        Assert.False(await ConnectsFromHostAsync(a.Address), "the host reached zone a while it was cut off");
        Assert.False(await ConnectsFromZoneAsync(b, a.Address), "zone b reached zone a while it was cut off");
        Assert.False(listener.HasExited, "the cut stopped the process inside the zone: a cut must only isolate it");

        // Healed: the same listener, untouched, is reachable again from both sides.
        await network.HealAsync("zone_a");
        Assert.True(await EventuallyAsync(() => ConnectsFromHostAsync(a.Address)), "the host did not reach zone a after the heal");
        Assert.True(await EventuallyAsync(() => ConnectsFromZoneAsync(b, a.Address)), "zone b did not reach zone a after the heal");

        listener.Kill();
        await listener.WaitForExitAsync();
    }

    [Fact]
    public async Task Zones_HaveOwnLoopbackAndAddress_AndTheWrappedProcessIsTheCommandItself()
    {
        await using var network = await ZoneNetwork.CreateAsync("zone_a", "zone_b");
        var a = network["zone_a"];

        // ip netns exec execs the command: the id the test holds is the command's own, so killing it by id kills it.
        var addresses = await ToolRun.RunAsync(a.Wrap(ToolRun.Start("ip", "-4", "-o", "addr", "show")));
        Assert.True(addresses.Succeeded, addresses.ToString());
        Assert.Contains("127.0.0.1/8", addresses.Output, StringComparison.Ordinal);
        Assert.Contains($"{a.Address}/24", addresses.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(network["zone_b"].Address.ToString(), addresses.Output, StringComparison.Ordinal);
        Assert.Contains("LOOPBACK,UP", (await ToolRun.RunAsync(a.Wrap(ToolRun.Start("ip", "link", "show", "lo")))).Output, StringComparison.Ordinal);

        using var sleeper = Process.Start(a.Wrap(ToolRun.Start("sleep", "600")))!;
        Assert.True(await EventuallyAsync(() => Task.FromResult(File.ReadAllText($"/proc/{sleeper.Id}/comm").Trim() == "sleep")),
            "the process started in the zone is a wrapper, not the command");
        sleeper.Kill();
        await sleeper.WaitForExitAsync();
    }

    [Fact]
    public async Task Dispose_DeletesEveryNamespaceAndLink_EvenWithAnOrphanStillRunningInAZone()
    {
        var network = await ZoneNetwork.CreateAsync("zone_a", "zone_b", "zone_c");
        var namespaces = network.Zones.Select(z => z.Namespace).Append(network.BridgeNamespace).ToList();
        Assert.All(namespaces, name => Assert.Contains(name, NetnsList()));

        // A parent killed by id leaves its child running inside the zone (runuser and sh do this): the namespace would
        // stay alive, links and address included, unless dispose ends it.
        var start = network["zone_b"].Wrap(ToolRun.Start("sh", "-c", "sleep 600 & echo $!; wait"));
        start.RedirectStandardOutput = true;
        using var parent = Process.Start(start)!;
        var orphan = int.Parse(await parent.StandardOutput.ReadLineAsync() ?? "", System.Globalization.CultureInfo.InvariantCulture);
        parent.Kill();
        await parent.WaitForExitAsync();
        Assert.True(Directory.Exists($"/proc/{orphan}"), "the child should outlive its parent for this test to mean anything");

        await network.DisposeAsync();

        var left = NetnsList();
        Assert.All(namespaces, name => Assert.DoesNotContain(name, left));
        Assert.True(await EventuallyAsync(() => Task.FromResult(!IsAlive(orphan)), TimeSpan.FromSeconds(10)),
            "the orphan inside the zone survived the dispose");
        Assert.DoesNotContain(network.HostAddress.ToString(), (await ToolRun.RunCheckedAsync("ip", "-4", "-o", "addr")), StringComparison.Ordinal);
    }

    private static string NetnsList()
    {
        using var process = Process.Start(new ProcessStartInfo("ip", "netns list") { RedirectStandardOutput = true })!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }

    private static bool IsAlive(int pid)
    {
        // A zombie (dead, not yet reaped by its parent) no longer holds the namespace.
        var status = $"/proc/{pid}/status";
        return File.Exists(status) && !File.ReadAllText(status).Contains("State:\tZ", StringComparison.Ordinal);
    }

    private static async Task<Process> StartListenerAsync(NetworkZone zone)
    {
        // Debian's Python (the one Patroni uses) accepts and closes connections on the zone's address.
        const string Script = "import socket,sys\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
            + "s.bind((sys.argv[1],int(sys.argv[2])))\ns.listen()\nprint('listening',flush=True)\nwhile True:\n c,_=s.accept()\n c.close()\n";
        var start = zone.Wrap(ToolRun.Start("/usr/bin/python3", "-c", Script, zone.Address.ToString(), ListenerPort.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        start.RedirectStandardOutput = true;
        var process = Process.Start(start)!;
        var first = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("listening", first);
        return process;
    }

    private static async Task<bool> ConnectsFromHostAsync(IPAddress address)
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(ConnectTimeout);
        try
        {
            await client.ConnectAsync(address, ListenerPort, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task<bool> ConnectsFromZoneAsync(NetworkZone from, IPAddress address)
    {
        const string Script = "import socket,sys\nsocket.create_connection((sys.argv[1],int(sys.argv[2])),timeout=float(sys.argv[3])).close()\n";
        var result = await ToolRun.RunAsync(from.Wrap(ToolRun.Start("/usr/bin/python3", "-c", Script, address.ToString(),
            ListenerPort.ToString(System.Globalization.CultureInfo.InvariantCulture), ConnectTimeout.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        return result.Succeeded;
    }

    private static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan? deadline = null)
    {
        var elapsed = Stopwatch.StartNew();
        while (elapsed.Elapsed < (deadline ?? HealDeadline))
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(200);
        }

        return false;
    }
}
