using System.Net;
using System.Net.Http.Json;
using System.Text;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Security.RateLimiting;

/// <summary>
/// Each limit, configured small: it refuses with 429 rate-limited and Retry-After, hits only what it limits, and lets
/// the same request through again once the bucket refills (polled with a generous deadline, never timed).
/// </summary>
public sealed class RateLimitTests
{
    private const int RecoveryDeadlineMs = 30_000;

    [Fact]
    public async Task VotesOfOneViewer_OverTheirBucket_Get429WithRetryAfter_OthersAndAdminPass_AndTheyRecover()
    {
        await using var server = new LiveVoteServer(new()
        {
            ["LiveVote:RateLimits:VotePerViewer:TokenLimit"] = "3",
            ["LiveVote:RateLimits:VotePerViewer:TokensPerPeriod"] = "1",
            ["LiveVote:RateLimits:VotePerViewer:Period"] = "00:00:05",
        });
        using var admin = server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin);
        var viewers = await Api.RegisterManyAsync(admin, 2);
        var client = server.Client();
        Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(client, poll.Id, viewers[0].Token, "a")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Api.VoteAsync(client, poll.Id, viewers[0].Token, "a")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Api.VoteAsync(client, poll.Id, viewers[0].Token, "a")).StatusCode);

        var limited = await Api.VoteAsync(client, poll.Id, viewers[0].Token, "a");

        var problem = await ProblemAssert.IsAsync(limited, HttpStatusCode.TooManyRequests, ErrorCodes.RateLimited);
        Assert.Equal("vote-per-viewer", problem.GetProperty("limit").GetString());
        Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(client, poll.Id, viewers[1].Token, "b")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Api.VoteAsync(admin, poll.Id, viewers[0].Token, "a")).StatusCode);

        var recovered = await UntilNotLimitedAsync(() => Api.VoteAsync(client, poll.Id, viewers[0].Token, "a"));
        Assert.Equal(HttpStatusCode.OK, recovered.StatusCode);
        Assert.Equal(VoteStatuses.Duplicate, (await Api.ReadVoteAsync(recovered)).Status);
    }

    /// <summary>
    /// The bucket is the validated viewer's, not the Authorization text's: the same token sent as "bearer", "BEARER" or
    /// with extra spaces is the same viewer and shares one bucket.
    /// </summary>
    [Fact]
    public async Task VotesOfOneViewer_WrittenWithOtherSchemeCaseOrSpaces_ShareOneBucket()
    {
        await using var server = new LiveVoteServer(new()
        {
            ["LiveVote:RateLimits:VotePerViewer:TokenLimit"] = "3",
            ["LiveVote:RateLimits:VotePerViewer:TokensPerPeriod"] = "1",
            ["LiveVote:RateLimits:VotePerViewer:Period"] = "01:00:00",
        });
        using var admin = server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin);
        var viewer = await Api.RegisterAsync(admin);
        var client = server.Client();
        string[] spellings = ["Bearer " + viewer.Token, "bearer " + viewer.Token, "BEARER " + viewer.Token, "Bearer    " + viewer.Token + "  "];

        var answers = new List<HttpResponseMessage>();
        foreach (var authorization in spellings)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/polls/{poll.Id}/votes")
            {
                Content = new StringContent("""{"optionId":"a"}""", System.Text.Encoding.UTF8, "application/json"),
            };
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
            answers.Add(await client.SendAsync(request));
        }

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.OK], answers.Take(3).Select(a => a.StatusCode));
        var problem = await ProblemAssert.IsAsync(answers[3], HttpStatusCode.TooManyRequests, ErrorCodes.RateLimited);
        Assert.Equal("vote-per-viewer", problem.GetProperty("limit").GetString());
    }

    [Fact]
    public async Task VotesOfOneNetwork_OverItsBucket_Get429_WhileAnotherNetworkVotes_AndTheyRecover()
    {
        await using var server = new LiveVoteServer(new()
        {
            ["LiveVote:RateLimits:VotePerNetwork:TokenLimit"] = "4",
            ["LiveVote:RateLimits:VotePerNetwork:TokensPerPeriod"] = "1",
            ["LiveVote:RateLimits:VotePerNetwork:Period"] = "00:00:05",
        });
        using var admin = server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin);
        var viewers = await Api.RegisterManyAsync(admin, 6);
        using var hostA = LoopbackClients.From(server, "127.9.0.1");
        using var hostB = LoopbackClients.From(server, "127.9.0.2");
        using var otherNetwork = LoopbackClients.From(server, "127.10.0.1");
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(i % 2 == 0 ? hostA : hostB, poll.Id, viewers[i].Token, "a")).StatusCode);
        }

        var limited = await Api.VoteAsync(hostB, poll.Id, viewers[4].Token, "a");

        var problem = await ProblemAssert.IsAsync(limited, HttpStatusCode.TooManyRequests, ErrorCodes.RateLimited);
        Assert.Equal("vote-per-network", problem.GetProperty("limit").GetString());
        Assert.True(limited.Headers.Contains("Retry-After"));
        Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(otherNetwork, poll.Id, viewers[5].Token, "b")).StatusCode);
        Assert.Equal(5, StoreFile.CountVotes(server.DatabasePath, poll.Id));

        var recovered = await UntilNotLimitedAsync(() => Api.VoteAsync(hostA, poll.Id, viewers[4].Token, "a"));
        Assert.Equal(HttpStatusCode.Created, recovered.StatusCode);
    }

    [Fact]
    public async Task PublicRegistrationsOfOneHost_OverTheBucket_Get429_WhileAdminAndOtherHostsRegister_AndTheyRecover()
    {
        await using var server = new LiveVoteServer(new()
        {
            ["LiveVote:RateLimits:RegisterPerIp:TokenLimit"] = "2",
            ["LiveVote:RateLimits:RegisterPerIp:TokensPerPeriod"] = "1",
            ["LiveVote:RateLimits:RegisterPerIp:Period"] = "00:00:05",
        });
        using var client = LoopbackClients.From(server, "127.12.0.1");
        using var neighbour = LoopbackClients.From(server, "127.12.0.2");
        using var admin = server.AdminClient();

        // Without a CAPTCHA these are refused by registration itself; the bucket counts them all the same.
        var first = await RegisterPubliclyAsync(client);
        var second = await RegisterPubliclyAsync(client);
        var limited = await RegisterPubliclyAsync(client);

        Assert.NotEqual(HttpStatusCode.TooManyRequests, first.StatusCode);
        Assert.NotEqual(HttpStatusCode.TooManyRequests, second.StatusCode);
        var problem = await ProblemAssert.IsAsync(limited, HttpStatusCode.TooManyRequests, ErrorCodes.RateLimited);
        Assert.Equal("register-per-ip", problem.GetProperty("limit").GetString());
        Assert.NotEqual(HttpStatusCode.TooManyRequests, (await RegisterPubliclyAsync(neighbour)).StatusCode);
        for (var i = 0; i < 5; i++)
        {
            await Api.RegisterAsync(admin);
        }

        var recovered = await UntilNotLimitedAsync(() => RegisterPubliclyAsync(client));
        Assert.Equal(first.StatusCode, recovered.StatusCode);
    }

    [Fact]
    public async Task ConcurrencyLimit_RefusesWhileFull_ExemptsHealth_AndRecoversWhenTheRequestEnds()
    {
        await using var server = new LiveVoteServer(new() { ["LiveVote:RateLimits:MaxConcurrentRequests"] = "1" });
        var client = server.Client();

        // A registration whose body never finishes holds the one permit. If another request happened to hold it when
        // this one arrived, this one was refused (and answered): then try again.
        HttpResponseMessage refused = null!;
        System.Net.Sockets.TcpClient? slow = null;
        for (var attempt = 0; attempt < 10 && refused?.StatusCode != HttpStatusCode.TooManyRequests; attempt++)
        {
            slow?.Dispose();
            slow = await StartSlowRequestAsync(client.BaseAddress!);
            var held = slow;
            refused = await UntilAsync(() => client.GetAsync("/v1/polls"), r => r.StatusCode == HttpStatusCode.TooManyRequests || held.Available > 0);
        }

        var problem = await ProblemAssert.IsAsync(refused, HttpStatusCode.TooManyRequests, ErrorCodes.RateLimited);
        Assert.Equal("concurrency", problem.GetProperty("limit").GetString());
        Assert.Equal("1", refused.Headers.GetValues("Retry-After").Single());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);

        slow!.Dispose();
        var recovered = await UntilAsync(() => client.GetAsync("/v1/polls"), r => r.StatusCode != HttpStatusCode.TooManyRequests);
        Assert.Equal(HttpStatusCode.OK, recovered.StatusCode);
    }

    [Fact]
    public async Task RateLimits_Disabled_LetEverythingThrough()
    {
        await using var server = new LiveVoteServer(new()
        {
            ["LiveVote:RateLimits:Enabled"] = "false",
            ["LiveVote:RateLimits:VotePerViewer:TokenLimit"] = "1",
            ["LiveVote:RateLimits:VotePerViewer:TokensPerPeriod"] = "1",
            ["LiveVote:RateLimits:VotePerViewer:Period"] = "01:00:00",
        });
        using var admin = server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin);
        var viewer = await Api.RegisterAsync(admin);

        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            answers.Add((await Api.VoteAsync(server.Client(), poll.Id, viewer.Token, "a")).StatusCode);
        }

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], answers);
    }

    [Theory]
    [InlineData("LiveVote:RateLimits:VotePerIp:TokenLimit", "0", "VotePerIp")]
    [InlineData("LiveVote:RateLimits:RegisterPerNetwork:Period", "00:00:00.010", "RegisterPerNetwork")]
    [InlineData("LiveVote:RateLimits:MaxConcurrentRequests", "0", "MaxConcurrentRequests")]
    [InlineData("LiveVote:RateLimits:AdminLockout", "00:00:00", "AdminLockout")]
    public void InvalidLimit_StopsTheServerAtStartWithTheKeyNamed(string key, string value, string named)
    {
        var error = Assert.ThrowsAny<Exception>(() => new LiveVoteServer(new() { [key] = value }));

        Assert.Contains(named, Flatten(error), StringComparison.Ordinal);
    }

    private static string Flatten(Exception error) =>
        error is AggregateException aggregate ? string.Join('\n', aggregate.InnerExceptions.Select(Flatten)) :
        error.Message + (error.InnerException is null ? "" : "\n" + Flatten(error.InnerException));

    private static Task<HttpResponseMessage> RegisterPubliclyAsync(HttpClient client) =>
        client.PostAsJsonAsync("/v1/viewers", new RegisterViewerRequest(null), ContractsJsonContext.Default.RegisterViewerRequest);

    private static Task<HttpResponseMessage> UntilNotLimitedAsync(Func<Task<HttpResponseMessage>> send) =>
        UntilAsync(send, r => r.StatusCode != HttpStatusCode.TooManyRequests);

    /// <summary>Sends until the answer satisfies <paramref name="done"/> (buckets refill on their own clock); at the deadline returns the last.</summary>
    private static async Task<HttpResponseMessage> UntilAsync(Func<Task<HttpResponseMessage>> send, Func<HttpResponseMessage, bool> done)
    {
        var deadline = Environment.TickCount64 + RecoveryDeadlineMs;
        while (true)
        {
            var response = await send();
            if (done(response) || Environment.TickCount64 > deadline)
            {
                return response;
            }

            await Task.Delay(100);
        }
    }

    /// <summary>A registration that sends its headers and one byte of its 100-byte body, then nothing: it stays in progress.</summary>
    private static async Task<System.Net.Sockets.TcpClient> StartSlowRequestAsync(Uri server)
    {
        var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port);
        var request = $"POST /v1/viewers HTTP/1.1\r\nHost: {server.Authority}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{";
        await tcp.GetStream().WriteAsync(Encoding.ASCII.GetBytes(request));
        return tcp;
    }
}
