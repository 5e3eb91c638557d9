namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>One etcd member of the fixture's three, in its zone: its ports, data folder, config and running process.</summary>
public sealed class EtcdMember(ZoneHost zone, string directory, int clientPort, int peerPort)
{
    public ZoneHost Zone { get; } = zone;

    public string Name { get; } = "etcd_" + zone.Name;

    public int ClientPort { get; } = clientPort;

    public int PeerPort { get; } = peerPort;

    public string ConfigPath { get; } = Path.Combine(directory, $"etcd_{zone.Name}.yml");

    public string DataDirectory { get; } = Path.Combine(directory, $"etcd_{zone.Name}");

    public string LogPath { get; } = Path.Combine(directory, $"etcd_{zone.Name}.log");

    public string ClientEndpoint => $"{Zone.Address}:{ClientPort}";

    public string PeerUrl => $"http://{Zone.Address}:{PeerPort}";

    public ZoneProcess? Process { get; internal set; }

    public override string ToString() => $"{Name} ({ClientEndpoint})";
}
