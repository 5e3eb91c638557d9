using System.Diagnostics;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// One availability zone as the high-availability fixtures see it: the address its processes listen on and the one
/// hook every process of the zone is started through. The default is loopback (zones told apart by their ports) and
/// starts processes as they are. A zone-cut scenario runs each zone inside its own network namespace instead:
/// <see cref="InNetworkNamespace"/> gives the zone its address there and prefixes every command with
/// <c>ip netns exec</c> (which execs the command: the pid the fixture holds stays the process's own).
/// </summary>
public sealed class ZoneHost(string name, string address, Func<ProcessStartInfo, ProcessStartInfo>? wrap = null)
{
    public string Name { get; } = name;

    /// <summary>Where the zone's etcd, Patroni and PostgreSQL listen, and what other zones and HAProxy dial.</summary>
    public string Address { get; } = address;

    public static ZoneHost Loopback(string name) => new(name, "127.0.0.1");

    /// <summary>A zone whose processes all run in network namespace <paramref name="ns"/>, listening on <paramref name="address"/>.</summary>
    public static ZoneHost InNetworkNamespace(string name, string address, string ns) =>
        new(name, address, start => Prefix(start, "/usr/sbin/ip", "netns", "exec", ns));

    /// <summary>The command as this zone runs it: unchanged on loopback.</summary>
    public ProcessStartInfo Wrap(ProcessStartInfo start) => wrap is null ? start : wrap(start);

    /// <summary>The same command, environment and working folder, run through <paramref name="prefix"/>.</summary>
    public static ProcessStartInfo Prefix(ProcessStartInfo start, params string[] prefix)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(prefix);
        var wrapped = new ProcessStartInfo(prefix[0]) { WorkingDirectory = start.WorkingDirectory, UseShellExecute = false };
        foreach (var arg in prefix.Skip(1).Append(start.FileName).Concat(start.ArgumentList))
        {
            wrapped.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in start.Environment)
        {
            wrapped.Environment[key] = value;
        }

        return wrapped;
    }

    public override string ToString() => $"{Name} ({Address})";
}
