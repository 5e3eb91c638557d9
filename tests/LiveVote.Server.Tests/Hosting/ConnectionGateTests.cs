using System.Net;
using LiveVote.Server.Hosting;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Tests.Hosting;

public sealed class ConnectionGateTests
{
    private static readonly IPEndPoint HostA = new(IPAddress.Parse("203.0.113.7"), 40_000);
    private static readonly IPEndPoint HostASameNetwork = new(IPAddress.Parse("203.0.113.99"), 40_001);
    private static readonly IPEndPoint HostB = new(IPAddress.Parse("198.51.100.1"), 40_000);
    private static readonly IPEndPoint Proxy = new(IPAddress.Parse("10.1.2.3"), 40_000);

    [Fact]
    public void ANetwork_HoldsAtMostItsShare_OthersStillGetIn()
    {
        var gate = Gate(perNode: 10, perNetwork: 2);

        Assert.Null(gate.TryEnter(gate.NetworkOf(HostA)));
        Assert.Null(gate.TryEnter(gate.NetworkOf(HostASameNetwork)));
        Assert.Equal(ConnectionRefusal.Network, gate.TryEnter(gate.NetworkOf(HostA)));
        Assert.Null(gate.TryEnter(gate.NetworkOf(HostB)));
        Assert.Equal(3, gate.Open);
    }

    [Fact]
    public void TheNode_RefusesEveryoneWhenFull_AndAClosedConnectionFreesItsPlace()
    {
        var gate = Gate(perNode: 2, perNetwork: 2);
        var a = gate.NetworkOf(HostA);
        Assert.Null(gate.TryEnter(a));
        Assert.Null(gate.TryEnter(a));
        Assert.Equal(ConnectionRefusal.Node, gate.TryEnter(gate.NetworkOf(HostB)));

        gate.Leave(a);

        Assert.Null(gate.TryEnter(gate.NetworkOf(HostB)));
        Assert.Equal(2, gate.Open);
    }

    [Fact]
    public void TrustedProxiesAndUnixSockets_AreNotCountedPerNetwork_ButCountForTheNode()
    {
        var gate = Gate(perNode: 3, perNetwork: 1, trustedProxies: "10.0.0.0/8");

        Assert.Null(gate.NetworkOf(Proxy));
        Assert.Null(gate.NetworkOf(new IPEndPoint(IPAddress.Parse("10.1.2.3").MapToIPv6(), 1)));
        Assert.Null(gate.NetworkOf(new System.Net.Sockets.UnixDomainSocketEndPoint("/run/livevote.sock")));
        Assert.NotNull(gate.NetworkOf(HostA));

        Assert.Null(gate.TryEnter(gate.NetworkOf(Proxy)));
        Assert.Null(gate.TryEnter(gate.NetworkOf(Proxy)));
        Assert.Null(gate.TryEnter(gate.NetworkOf(Proxy)));
        Assert.Equal(ConnectionRefusal.Node, gate.TryEnter(gate.NetworkOf(Proxy)));
    }

    [Fact]
    public void Options_PerNetworkAboveTheNode_OrAGraceOfOneSecond_AreInvalid()
    {
        var errors = new ConnectionLimitOptions { MaxPerNode = 10, MaxPerNetwork = 11, MinDataRateGracePeriod = TimeSpan.FromSeconds(1) }
            .Validate(new System.ComponentModel.DataAnnotations.ValidationContext(new object())).ToList();

        Assert.Equal(2, errors.Count);
        Assert.Empty(new ConnectionLimitOptions().Validate(new System.ComponentModel.DataAnnotations.ValidationContext(new object())));
    }

    private static ConnectionGate Gate(int perNode, int perNetwork, params string[] trustedProxies)
    {
        var http = new HttpSecurityOptions();
        foreach (var proxy in trustedProxies)
        {
            http.TrustedProxies.Add(proxy);
        }

        return new ConnectionGate(Options.Create(new ConnectionLimitOptions { MaxPerNode = perNode, MaxPerNetwork = perNetwork }), Options.Create(http));
    }
}
