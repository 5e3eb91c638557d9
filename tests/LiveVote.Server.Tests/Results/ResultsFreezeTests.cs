using System.Net;
using LiveVote.Contracts;
using LiveVote.Server.Polls;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static LiveVote.Server.Tests.Infrastructure.PresentationApi;

namespace LiveVote.Server.Tests.Results;

/// <summary>
/// Freezing the on-air results: the public results (GET and SSE) keep the snapshot taken at the freeze while votes go
/// on being counted (the admin live view shows them); release publishes the count again.
/// </summary>
public sealed class ResultsFreezeTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private readonly LiveVoteServer _server = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task Freeze_OnANodeThatHasNotCountedThePollYet_Is503WithRetryAfter_AndFreezesNothing()
    {
        // As on a fleet node just started: the poll is in its registry, its count not read yet. Freezing now would put
        // zeros on air.
        var known = UncountedPoll.AddTo(_server);

        var response = await FreezeAsync(_server.AdminClient(), known.Id);

        await ProblemAssert.IsAsync(response, HttpStatusCode.ServiceUnavailable, ErrorCodes.StoreUnavailable);
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        Assert.True(_server.Services.GetRequiredService<PollRegistry>().TryGet(known.Id, out var after));
        Assert.Null(after.Frozen);
    }

    [Fact]
    public async Task Freeze_VotesWhileFrozen_PublicResultsAndStreamKeepTheSnapshot_ReleaseShowsTheCount()
    {
        var admin = _server.AdminClient();
        var client = _server.Client();
        var poll = await Api.CreateOpenPollAsync(admin, "a", "b");
        await CastAsync(admin, poll.Id, "a", "a");
        var before = await Api.ResultsWhenAsync(client, poll.Id, r => r.Total == 2);
        Assert.False(before.Frozen);
        using var timeout = new CancellationTokenSource(Deadline * 3);
        using var response = await client.GetAsync($"/v1/polls/{poll.Id}/results/stream", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var events = new SseReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        Assert.Equal(2, (await events.NextResultsAsync(Deadline)).Total);

        var frozenPoll = await ReadPollAsync(await FreezeAsync(admin, poll.Id));

        Assert.True(frozenPoll.ResultsFrozen);
        Assert.NotNull(frozenPoll.ResultsFrozenAt);
        var frozenEvent = await events.NextResultsWhereAsync(r => r.Frozen, Deadline);
        Assert.Equal(2, frozenEvent.Totals["a"]);
        Assert.Equal(0, frozenEvent.Totals["b"]);

        await CastAsync(admin, poll.Id, "b", "b", "b");

        // Counting goes on: the votes are stored and the producer's live view has them.
        Assert.Equal(5, StoreFile.CountVotes(_server.DatabasePath, poll.Id));
        var live = await LiveWhenAsync(admin, poll.Id, r => r.Total == 5);
        Assert.Equal(3, live.Totals["b"]);
        Assert.False(live.Frozen);

        // Several publish intervals later the public results still show the snapshot, with the same version.
        await Task.Delay(1000);
        var publicResults = await Api.ResultsAsync(client, poll.Id);
        Assert.True(publicResults.Frozen);
        Assert.Equal(2, publicResults.Total);
        Assert.Equal(0, publicResults.Totals["b"]);
        Assert.Equal(frozenEvent.Version, publicResults.Version);

        var released = await ReadPollAsync(await ReleaseAsync(admin, poll.Id));

        Assert.False(released.ResultsFrozen);
        var caughtUp = await events.NextResultsWhereAsync(r => !r.Frozen, Deadline);
        Assert.Equal(5, caughtUp.Total);
        Assert.Equal(3, caughtUp.Totals["b"]);
        Assert.True(caughtUp.Version > frozenEvent.Version);
        var afterRelease = await Api.ResultsWhenAsync(client, poll.Id, r => !r.Frozen);
        Assert.Equal(5, afterRelease.Total);
    }

    [Fact]
    public async Task Freeze_AndRelease_AreAuditedWithTheSnapshot_AndTheChainVerifies()
    {
        var admin = _server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin, "a", "b");
        await CastAsync(admin, poll.Id, "b");
        (await FreezeAsync(admin, poll.Id)).EnsureSuccessStatusCode();
        await CastAsync(admin, poll.Id, "a");
        (await ReleaseAsync(admin, poll.Id)).EnsureSuccessStatusCode();

        var entries = await Api.AuditAsync(_server.Client(), poll.Id);

        Assert.Equal(["poll-created", "poll-opened", "vote", "results-frozen", "vote", "results-released"], entries.Select(e => e.Kind));
        var frozen = entries[3];
        Assert.Equal("{\"totals\":{\"a\":0,\"b\":1},\"operator\":\"admin-key\"}", frozen.Data);
        Assert.Null(frozen.VoterKey);
        Assert.Null(frozen.OptionId);
        Assert.Equal("{\"operator\":\"admin-key\"}", entries[5].Data);
        IndependentAudit.AssertPollEntriesVerify(entries);
        IndependentAudit.AssertChainVerifies(StoreFile.ReadAudit(_server.DatabasePath));
    }

    [Fact]
    public async Task Close_WhileFrozen_ReleasesTheFreezeAndPublishesTheFinalCount()
    {
        var admin = _server.AdminClient();
        var client = _server.Client();
        var poll = await Api.CreateOpenPollAsync(admin, "a", "b");
        await CastAsync(admin, poll.Id, "a");
        (await FreezeAsync(admin, poll.Id)).EnsureSuccessStatusCode();
        await CastAsync(admin, poll.Id, "b", "b");

        var closed = await ReadPollAsync(await Api.ClosePollAsync(admin, poll.Id));

        Assert.Equal("closed", closed.Status);
        Assert.False(closed.ResultsFrozen);
        var final = await Api.ResultsWhenAsync(client, poll.Id, r => r.Status == "closed");
        Assert.False(final.Frozen);
        Assert.Equal(3, final.Total);
        Assert.Equal(2, final.Totals["b"]);
        Assert.DoesNotContain(await Api.AuditAsync(client, poll.Id), e => e.Kind == "results-released");
    }

    [Fact]
    public async Task Freeze_SurvivesARestart_AndTheCountBehindItToo()
    {
        var dataDirectory = TempDirectory.Create("livevote-freeze-restart");
        try
        {
            string pollId;
            await using (var server = new LiveVoteServer(dataDirectory: dataDirectory))
            {
                var admin = server.AdminClient();
                pollId = (await Api.CreateOpenPollAsync(admin, "a", "b")).Id;
                await CastAsync(admin, pollId, "a", "b");
                (await FreezeAsync(admin, pollId)).EnsureSuccessStatusCode();
                await CastAsync(admin, pollId, "a");
            }

            await using var restarted = new LiveVoteServer(dataDirectory: dataDirectory);
            var adminAfter = restarted.AdminClient();
            var publicResults = await Api.ResultsAsync(restarted.Client(), pollId);
            Assert.True(publicResults.Frozen);
            Assert.Equal(2, publicResults.Total);
            Assert.Equal(1, publicResults.Totals["a"]);
            Assert.True((await Api.PollAsync(adminAfter, pollId)).ResultsFrozen);
            Assert.Equal(3, (await LiveAsync(adminAfter, pollId)).Total);

            (await ReleaseAsync(adminAfter, pollId)).EnsureSuccessStatusCode();
            var released = await Api.ResultsWhenAsync(restarted.Client(), pollId, r => !r.Frozen);
            Assert.Equal(3, released.Total);
            Assert.Equal(2, released.Totals["a"]);
        }
        finally
        {
            TempDirectory.Delete(dataDirectory);
        }
    }

    public static TheoryData<string, string> InvalidChanges() => new()
    {
        { "draft", "freeze" },
        { "closed", "freeze" },
        { "frozen", "freeze" },
        { "open", "release" },
        { "draft", "release" },
        { "closed", "release" },
    };

    [Theory]
    [MemberData(nameof(InvalidChanges))]
    public async Task FreezeOrRelease_InTheWrongState_IsInvalidTransitionAndChangesNothing(string state, string action)
    {
        var admin = _server.AdminClient();
        var poll = state == "draft" ? await Api.CreatePollAsync(admin) : await Api.CreateOpenPollAsync(admin);
        await CastAsync(admin, poll.Id, state == "draft" ? [] : ["a"]);
        if (state == "closed")
        {
            (await Api.ClosePollAsync(admin, poll.Id)).EnsureSuccessStatusCode();
        }
        else if (state == "frozen")
        {
            (await FreezeAsync(admin, poll.Id)).EnsureSuccessStatusCode();
        }

        var before = await StoredState.CaptureAsync(_server);

        var response = await admin.PostAsync($"/v1/polls/{poll.Id}/results/{action}", null);

        await ProblemAssert.IsAsync(response, HttpStatusCode.Conflict, ErrorCodes.InvalidTransition);
        Assert.Equal(before, await StoredState.CaptureAsync(_server));
    }

    [Theory]
    [InlineData("POST", "freeze", null)]
    [InlineData("POST", "release", null)]
    [InlineData("GET", "live", null)]
    [InlineData("POST", "freeze", "not-the-admin-key")]
    [InlineData("GET", "live", "not-the-admin-key")]
    public async Task AdminResultsRoutes_WithoutTheAdminKey_Are401AndChangeNothing(string method, string action, string? key)
    {
        var admin = _server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin, "a", "b");
        await CastAsync(admin, poll.Id, "a");
        var before = await StoredState.CaptureAsync(_server);
        using var client = _server.Client();
        using var request = new HttpRequestMessage(new HttpMethod(method), $"/v1/polls/{poll.Id}/results/{action}");
        if (key is not null)
        {
            request.Headers.Add("X-Admin-Key", key);
        }

        var response = await client.SendAsync(request);

        await ProblemAssert.IsAsync(response, HttpStatusCode.Unauthorized, ErrorCodes.AdminKeyRequired);
        Assert.Equal(before, await StoredState.CaptureAsync(_server));
        Assert.False((await Api.PollAsync(admin, poll.Id)).ResultsFrozen);
    }

    [Fact]
    public async Task LiveResults_AreNeverCached()
    {
        var admin = _server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin, "a", "b");

        var response = await admin.GetAsync($"/v1/polls/{poll.Id}/results/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore, $"Cache-Control: {response.Headers.CacheControl}");
    }
}
