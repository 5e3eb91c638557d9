using System.Net;
using LiveVote.Server.Security.RateLimiting;

namespace LiveVote.Server.Tests.Security.RateLimiting;

public sealed class ClientNetworkTests
{
    [Theory]
    [InlineData("203.0.113.7", "203.0.113.200", true)]
    [InlineData("203.0.113.7", "203.0.114.7", false)]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:ffff::9", true)]
    [InlineData("2001:db8:1::1", "2001:db8:2::1", false)]
    public void Network_GroupsIPv4By24AndIPv6By48(string a, string b, bool sameNetwork)
    {
        var first = ClientNetwork.From(IPAddress.Parse(a));
        var second = ClientNetwork.From(IPAddress.Parse(b));

        Assert.Equal(sameNetwork, first.Network == second.Network);
    }

    [Theory]
    [InlineData("203.0.113.7", "203.0.113.8", false)]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2:ffff::9", true)]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:3::1", false)]
    public void Host_IsTheIPv4AddressOrTheIPv6Slash64(string a, string b, bool sameHost)
    {
        Assert.Equal(sameHost, ClientNetwork.From(IPAddress.Parse(a)).Host == ClientNetwork.From(IPAddress.Parse(b)).Host);
    }

    [Fact]
    public void IPv4MappedIPv6_IsTheSameClientAsPlainIPv4()
    {
        Assert.Equal(ClientNetwork.From(IPAddress.Parse("198.51.100.20")), ClientNetwork.From(IPAddress.Parse("::ffff:198.51.100.20")));
    }

    [Fact]
    public void IPv4_NeverCollidesWithAnIPv6Network()
    {
        Assert.NotEqual(ClientNetwork.From(IPAddress.Parse("0.0.0.1")).Network, ClientNetwork.From(IPAddress.Parse("::1")).Network);
    }

    [Theory]
    [InlineData("203.0.113.77", "203.0.113.0/24")]
    [InlineData("2001:db8:abcd:12:34::5", "2001:db8:abcd::/48")]
    public void NetworkText_ShowsOnlyThePrefix(string address, string expected)
    {
        Assert.Equal(expected, ClientNetwork.From(IPAddress.Parse(address)).NetworkText());
    }

    [Fact]
    public void NoAddress_IsUnknown()
    {
        Assert.Equal(ClientNetwork.Unknown, ClientNetwork.From(null));
        Assert.Equal("unknown", ClientNetwork.Unknown.NetworkText());
    }
}
