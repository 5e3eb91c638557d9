using System.Net;
using System.Text.Json;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Security.Admin;

/// <summary>Repeated wrong admin keys lock the client's network out of admin-key requests, visibly and temporarily.</summary>
public sealed class AdminLockoutEndpointTests
{
    [Fact]
    public async Task WrongAdminKeys_LockTheNetworkOut_EvenForTheRightKey_AuditedAndCounted_AndTheLockoutEnds()
    {
        using var lockouts = new MetricRecorder("livevote.admin.lockouts");
        await using var server = new LiveVoteServer(new()
        {
            ["LiveVote:RateLimits:AdminFailuresBeforeLockout"] = "3",
            ["LiveVote:RateLimits:AdminLockout"] = "00:00:02",
        });
        using var admin = server.AdminClient();
        await Api.CreatePollAsync(admin);
        using var guesser = server.Client();
        guesser.DefaultRequestHeaders.Add("X-Admin-Key", "guess-0123456789-guess");

        var first = await guesser.PostAsync("/v1/polls/nope/open", null);
        var second = await guesser.GetAsync("/v1/polls");
        var third = await guesser.PostAsync("/v1/polls/nope/open", null);

        await ProblemAssert.IsAsync(first, HttpStatusCode.Unauthorized, ErrorCodes.AdminKeyRequired);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        await ProblemAssert.IsAsync(third, HttpStatusCode.TooManyRequests, ErrorCodes.AdminLockedOut);
        Assert.Equal("2", third.Headers.GetValues("Retry-After").Single());

        var lockedOutAdmin = await admin.GetAsync("/v1/polls");
        await ProblemAssert.IsAsync(lockedOutAdmin, HttpStatusCode.TooManyRequests, ErrorCodes.AdminLockedOut);
        Assert.True(lockedOutAdmin.Headers.Contains("Retry-After"));

        // Only admin-key requests of that network: the public API and other networks' admins carry on.
        Assert.Equal(HttpStatusCode.OK, (await server.Client().GetAsync("/v1/polls")).StatusCode);
        using var otherNetwork = LoopbackClients.From(server, "127.11.0.1");
        otherNetwork.DefaultRequestHeaders.Add("X-Admin-Key", LiveVoteServer.AdminKey);
        Assert.Equal(HttpStatusCode.Created, (await Api.SendRawAsync(otherNetwork, HttpMethod.Post, "/v1/polls",
            "{\"title\":\"t\",\"options\":[{\"id\":\"a\",\"label\":\"A\"},{\"id\":\"b\",\"label\":\"B\"}]}")).StatusCode);

        var note = await UntilAsync(() => StoreFile.ReadAudit(server.DatabasePath).SingleOrDefault(r => r.Kind == "admin-lockout"));
        Assert.NotNull(note);
        Assert.Null(note.PollId);
        Assert.Null(note.VoterKey);
        Assert.Null(note.OptionId);
        using (var data = JsonDocument.Parse(note.Data!))
        {
            Assert.Equal("admin-lockout", data.RootElement.GetProperty("action").GetString());
            Assert.Equal("wrong-admin-key", data.RootElement.GetProperty("reason").GetString());
            Assert.Equal(3, data.RootElement.GetProperty("failures").GetInt32());
            Assert.Equal(2, data.RootElement.GetProperty("lockoutSeconds").GetInt32());
            Assert.Equal("127.0.0.0/24", data.RootElement.GetProperty("network").GetString());
        }

        IndependentAudit.AssertChainVerifies(StoreFile.ReadAudit(server.DatabasePath));
        Assert.True(lockouts.Sum() >= 1);

        var after = await UntilAsync(async () =>
        {
            var response = await admin.GetAsync("/v1/polls");
            return response.StatusCode == HttpStatusCode.TooManyRequests ? null : response;
        });
        Assert.Equal(HttpStatusCode.OK, after!.StatusCode);
    }

    [Fact]
    public async Task RightAdminKey_NeverCountsAsAFailure()
    {
        await using var server = new LiveVoteServer(new() { ["LiveVote:RateLimits:AdminFailuresBeforeLockout"] = "2" });
        using var admin = server.AdminClient();

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/v1/polls")).StatusCode);
        }

        Assert.DoesNotContain(StoreFile.ReadAudit(server.DatabasePath), r => r.Kind == "admin-lockout");
    }

    private static Task<T?> UntilAsync<T>(Func<T?> read) => UntilAsync(() => Task.FromResult(read()));

    private static async Task<T?> UntilAsync<T>(Func<Task<T?>> read)
    {
        var deadline = Environment.TickCount64 + 30_000;
        while (true)
        {
            var value = await read();
            if (value is not null || Environment.TickCount64 > deadline)
            {
                return value;
            }

            await Task.Delay(100);
        }
    }
}
