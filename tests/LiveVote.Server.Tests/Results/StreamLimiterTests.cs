using System.Net;
using LiveVote.Server.Results;
using LiveVote.Server.Security.RateLimiting;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Tests.Results;

public sealed class StreamLimiterTests
{
    private static readonly ClientNetwork NetworkA = ClientNetwork.From(IPAddress.Parse("203.0.113.7"));
    private static readonly ClientNetwork NetworkASecondHost = ClientNetwork.From(IPAddress.Parse("203.0.113.200"));
    private static readonly ClientNetwork NetworkB = ClientNetwork.From(IPAddress.Parse("198.51.100.1"));
    private static readonly ClientNetwork NetworkC = ClientNetwork.From(IPAddress.Parse("2001:db8:1:2::1"));

    [Fact]
    public void ANetwork_GetsAtMostItsShare_WhateverItsHosts()
    {
        var limiter = Limiter(perNode: 10, perNetwork: 2);

        Assert.Null(limiter.TryOpen(NetworkA, out _));
        Assert.Null(limiter.TryOpen(NetworkASecondHost, out _));

        Assert.Equal(StreamLimit.Network, limiter.TryOpen(NetworkA, out _));
        Assert.Null(limiter.TryOpen(NetworkB, out _));
        Assert.Equal(3, limiter.Open);
    }

    [Fact]
    public void TheNode_RefusesEveryNetworkWhenFull()
    {
        var limiter = Limiter(perNode: 3, perNetwork: 2);
        Assert.Null(limiter.TryOpen(NetworkA, out _));
        Assert.Null(limiter.TryOpen(NetworkA, out _));
        Assert.Null(limiter.TryOpen(NetworkB, out _));

        Assert.Equal(StreamLimit.Node, limiter.TryOpen(NetworkC, out _));
        Assert.Equal(StreamLimit.Node, limiter.TryOpen(NetworkB, out _));
    }

    [Fact]
    public void AnEndedStream_GivesItsPlaceBack_Once()
    {
        var limiter = Limiter(perNode: 2, perNetwork: 1);
        Assert.Null(limiter.TryOpen(NetworkA, out var first));
        Assert.Equal(StreamLimit.Network, limiter.TryOpen(NetworkA, out _));

        first.Dispose();
        first.Dispose();

        Assert.Equal(0, limiter.Open);
        Assert.Null(limiter.TryOpen(NetworkA, out _));
        Assert.Null(limiter.TryOpen(NetworkB, out _));
        Assert.Equal(StreamLimit.Node, limiter.TryOpen(NetworkC, out _));
    }

    [Fact]
    public void Options_PerNetworkAboveTheNode_IsInvalid()
    {
        var errors = new StreamLimitOptions { MaxPerNode = 10, MaxPerNetwork = 11 }.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(new object()));

        Assert.Single(errors);
    }

    private static StreamLimiter Limiter(int perNode, int perNetwork) =>
        new(Options.Create(new StreamLimitOptions { MaxPerNode = perNode, MaxPerNetwork = perNetwork }));
}
