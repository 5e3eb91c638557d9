using System.Diagnostics;
using System.Net;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// One availability zone of a <see cref="ZoneNetwork"/>: its own network namespace, one address on the zones' bridge,
/// and a loopback of its own. A process started through <see cref="Wrap"/> sees only this zone's network, so cutting the
/// zone's link cuts that process off from the other zones and from the host, exactly as a lost zone would.
/// </summary>
internal sealed class NetworkZone(string name, string namespaceName, IPAddress address, string bridgePort)
{
    /// <summary>The zone's name as the test calls it (<c>zone_a</c>, ...).</summary>
    public string Name { get; } = name;

    /// <summary>The network namespace (<c>ip netns</c>) the zone's processes run in.</summary>
    public string Namespace { get; } = namespaceName;

    /// <summary>The zone's address on the bridge: where the other zones and the host reach its processes.</summary>
    public IPAddress Address { get; } = address;

    /// <summary>The zone's port on the bridge (a veth end inside the bridge namespace): down means cut off.</summary>
    internal string BridgePort { get; } = bridgePort;

    /// <summary>
    /// Rewrites <paramref name="start"/> in place to run inside this zone (<c>ip netns exec</c>) and returns it. Nothing
    /// else changes: environment, working folder and redirections stay as the caller set them. <c>ip netns exec</c>
    /// execs the command (no extra parent), so the started process's id is the command's own and killing it by id
    /// kills the command, not a wrapper.
    /// </summary>
    public ProcessStartInfo Wrap(ProcessStartInfo start)
    {
        ArgumentNullException.ThrowIfNull(start);
        var command = start.FileName;
        if (start.ArgumentList.Count > 0)
        {
            start.ArgumentList.Insert(0, command);
            start.ArgumentList.Insert(0, Namespace);
            start.ArgumentList.Insert(0, "exec");
            start.ArgumentList.Insert(0, "netns");
        }
        else
        {
            start.Arguments = $"netns exec {Namespace} \"{command}\" {start.Arguments}";
        }

        start.FileName = "ip";
        return start;
    }

    /// <summary>This zone as the high-availability fixtures take it: its address, and every process started inside it.</summary>
    public ZoneHost ToZoneHost() => ZoneHost.InNetworkNamespace(Name, Address.ToString(), Namespace);

    public override string ToString() => $"{Name} ({Address} in {Namespace})";
}
