using System.Net;
using System.Text.Json;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using LiveVote.Server.Tests.Security.Evidence;

namespace LiveVote.Server.Tests.Security.Admin;

/// <summary>
/// Repeated wrong admin keys lock the client's network out, visibly and temporarily: its wrong keys are refused at once,
/// while the right key still passes (a producer behind the same NAT is never locked out by someone else's guesses).
/// </summary>
public sealed class AdminLockoutEndpointTests
{
    [Fact]
    public async Task WrongAdminKeys_LockTheNetworksWrongKeysOut_NotTheRightKey_AuditedAndCounted_AndTheLockoutEnds()
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

        // The right key from the locked-out network (the producer behind the same NAT) is never refused by the lockout.
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/v1/polls")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Api.SendRawAsync(admin, HttpMethod.Post, "/v1/polls",
            "{\"title\":\"t\",\"options\":[{\"id\":\"a\",\"label\":\"A\"},{\"id\":\"b\",\"label\":\"B\"}]}")).StatusCode);
        var stillLockedOut = await guesser.GetAsync("/v1/polls");
        await ProblemAssert.IsAsync(stillLockedOut, HttpStatusCode.TooManyRequests, ErrorCodes.AdminLockedOut);
        Assert.True(stillLockedOut.Headers.Contains("Retry-After"));

        // Only wrong-key requests of that network: the public API and other networks' admins carry on.
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
            Assert.False(data.RootElement.TryGetProperty("network", out _), "the public entry names the network: " + note.Data);

            // The network is in the restricted evidence store, which the entry names, for the admin key only.
            var evidence = await EvidenceApi.ByRefAsync(admin, data.RootElement.GetProperty("evidence").GetString()!);
            Assert.Equal(("admin-lockout", "admin-lockout", "127.0.0.0/24"), (evidence.Kind, evidence.Action, evidence.Network));
            Assert.Equal(3, evidence.Detail.GetProperty("failures").GetInt32());
        }

        IndependentAudit.AssertChainVerifies(StoreFile.ReadAudit(server.DatabasePath));
        Assert.True(lockouts.Sum() >= 1);

        // When the lockout ends a wrong key is answered as before: the request goes on (401 on an admin route).
        var after = await UntilAsync(async () =>
        {
            var response = await guesser.PostAsync("/v1/polls/nope/open", null);
            return response.StatusCode == HttpStatusCode.TooManyRequests ? null : response;
        });
        await ProblemAssert.IsAsync(after!, HttpStatusCode.Unauthorized, ErrorCodes.AdminKeyRequired);
    }

    [Fact]
    public async Task RightAdminKey_FromALockedOutNetwork_RunsTheShow_WhileTheGuessersThereAreRefused()
    {
        await using var server = new LiveVoteServer(new() { ["LiveVote:RateLimits:AdminFailuresBeforeLockout"] = "5" });
        using var guesser = LoopbackClients.From(server, LoopbackClients.Address(60, 1));
        guesser.DefaultRequestHeaders.Add("X-Admin-Key", "guess-0123456789-guess");
        using var producer = LoopbackClients.From(server, LoopbackClients.Address(60, 2));
        producer.DefaultRequestHeaders.Add("X-Admin-Key", LiveVoteServer.AdminKey);
        for (var i = 0; i < 5; i++)
        {
            await guesser.PostAsync("/v1/polls", null);
        }

        await ProblemAssert.IsAsync(await guesser.GetAsync("/v1/admin/stats"), HttpStatusCode.TooManyRequests, ErrorCodes.AdminLockedOut);

        // Mid-show, the same /24 as the guesser: create, open, read live results and stats, register a viewer, close.
        var poll = await Api.CreateOpenPollAsync(producer, "a", "b");
        Assert.Equal(HttpStatusCode.OK, (await producer.GetAsync($"/v1/polls/{poll.Id}/results/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await producer.GetAsync("/v1/admin/stats")).StatusCode);
        var viewer = await Api.RegisterAsync(producer);
        Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(server.Client(), poll.Id, viewer.Token, "a")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Api.ClosePollAsync(producer, poll.Id)).StatusCode);

        await ProblemAssert.IsAsync(await guesser.PostAsync($"/v1/polls/{poll.Id}/close", null), HttpStatusCode.TooManyRequests, ErrorCodes.AdminLockedOut);
        Assert.Single(StoreFile.ReadAudit(server.DatabasePath), r => r.Kind == "admin-lockout");
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
