using System.Net;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Hosting;

/// <summary>
/// X-Forwarded-For names the client only when the connection comes from a configured trusted proxy; otherwise anyone
/// could pick their own address and walk around every per-IP limit.
/// </summary>
public sealed class TrustedProxyTests
{
    private static Dictionary<string, string?> TinyVoteBucket() => new()
    {
        ["LiveVote:RateLimits:VotePerIp:TokenLimit"] = "1",
        ["LiveVote:RateLimits:VotePerIp:TokensPerPeriod"] = "1",
        ["LiveVote:RateLimits:VotePerIp:Period"] = "01:00:00",
    };

    [Fact]
    public async Task ForwardedFor_FromATrustedProxy_IsTheClient()
    {
        await using var server = new LiveVoteServer(new(TinyVoteBucket()) { ["LiveVote:Http:TrustedProxies:0"] = "127.0.0.0/8" });
        var (poll, viewers) = await SetUpAsync(server, 3);

        var first = await VoteFromAsync(server, "198.51.100.1", poll, viewers[0]);
        var second = await VoteFromAsync(server, "198.51.100.2", poll, viewers[1]);
        var sameClientAgain = await VoteFromAsync(server, "198.51.100.1", poll, viewers[2]);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        await ProblemAssert.IsAsync(sameClientAgain, HttpStatusCode.TooManyRequests, ErrorCodes.RateLimited);
    }

    [Fact]
    public async Task ForwardedFor_WithoutTrustedProxies_IsIgnored()
    {
        await using var server = new LiveVoteServer(TinyVoteBucket());
        var (poll, viewers) = await SetUpAsync(server, 2);

        var first = await VoteFromAsync(server, "198.51.100.1", poll, viewers[0]);
        var spoofed = await VoteFromAsync(server, "198.51.100.2", poll, viewers[1]);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        await ProblemAssert.IsAsync(spoofed, HttpStatusCode.TooManyRequests, ErrorCodes.RateLimited);
    }

    [Fact]
    public async Task ForwardedFor_FromAnUntrustedAddress_IsIgnored()
    {
        await using var server = new LiveVoteServer(new(TinyVoteBucket()) { ["LiveVote:Http:TrustedProxies:0"] = "10.0.0.1" });
        var (poll, viewers) = await SetUpAsync(server, 2);

        var first = await VoteFromAsync(server, "198.51.100.1", poll, viewers[0]);
        var spoofed = await VoteFromAsync(server, "198.51.100.2", poll, viewers[1]);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        await ProblemAssert.IsAsync(spoofed, HttpStatusCode.TooManyRequests, ErrorCodes.RateLimited);
    }

    private static async Task<(string Poll, RegisterViewerResponse[] Viewers)> SetUpAsync(LiveVoteServer server, int viewers)
    {
        using var admin = server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin);
        return (poll.Id, await Api.RegisterManyAsync(admin, viewers));
    }

    private static async Task<HttpResponseMessage> VoteFromAsync(LiveVoteServer server, string forwardedFor, string pollId, RegisterViewerResponse viewer)
    {
        using var client = server.Client();
        client.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        return await Api.VoteAsync(client, pollId, viewer.Token, "a");
    }
}
