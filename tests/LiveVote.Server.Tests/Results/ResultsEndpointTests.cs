using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Results;

public sealed class ResultsEndpointTests : IDisposable
{
    private readonly LiveVoteServer _server = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task APollTheNodeKnowsButHasNotCountedYet_Is503ResultsPendingWithRetryAfter_NotNotFound()
    {
        // As on a fleet node between learning of a poll (a vote that asked the store) and its next refresh: the poll is in
        // its registry, its count is not in its results yet.
        var known = UncountedPoll.AddTo(_server);
        var client = _server.Client();

        var responses = new[]
        {
            await client.GetAsync($"/v1/polls/{known.Id}/results"),
            await client.GetAsync($"/v1/polls/{known.Id}/results/stream"),
            await _server.AdminClient().GetAsync($"/v1/polls/{known.Id}/results/live"),
        };

        foreach (var response in responses)
        {
            await ProblemAssert.IsAsync(response, HttpStatusCode.ServiceUnavailable, ErrorCodes.ResultsPending);
            Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
            Assert.True(response.Headers.CacheControl?.NoStore, $"Cache-Control: {response.Headers.CacheControl}");
        }

        // A poll the node does not know at all is still not found.
        await ProblemAssert.IsAsync(await client.GetAsync("/v1/polls/no-such-poll/results"), HttpStatusCode.NotFound, ErrorCodes.PollNotFound);
    }

    [Fact]
    public async Task Results_CarryETagAndOneSecondPublicCaching_AndIfNoneMatchIsNotModified()
    {
        var admin = _server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin);
        var client = _server.Client();
        await Api.ResultsWhenAsync(client, poll.Id, r => r.Status == "open");

        var first = await client.GetAsync($"/v1/polls/{poll.Id}/results");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("application/json", first.Content.Headers.ContentType?.MediaType);
        var etag = first.Headers.ETag;
        Assert.NotNull(etag);
        Assert.False(etag.IsWeak);
        var results = (await first.Content.ReadFromJsonAsync(ContractsJsonContext.Default.ResultsDto))!;
        Assert.Equal($"\"{results.Version}\"", etag.Tag);
        Assert.True(first.Headers.CacheControl is { Public: true, MaxAge.TotalSeconds: 1 }, $"Cache-Control: {first.Headers.CacheControl}");

        var conditional = new HttpRequestMessage(HttpMethod.Get, $"/v1/polls/{poll.Id}/results");
        conditional.Headers.IfNoneMatch.Add(etag);
        var notModified = await client.SendAsync(conditional);

        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
        Assert.Equal(etag, notModified.Headers.ETag);
    }

    [Fact]
    public async Task Results_AfterAVote_HaveANewETag_AndTheOldOneNoLongerMatches()
    {
        var admin = _server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin);
        var viewer = await Api.RegisterAsync(admin);
        var client = _server.Client();
        var before = await Api.ResultsWhenAsync(client, poll.Id, r => r.Status == "open");
        var oldTag = new EntityTagHeaderValue($"\"{before.Version}\"");

        (await Api.VoteAsync(client, poll.Id, viewer.Token, "c")).EnsureSuccessStatusCode();
        var after = await Api.ResultsWhenAsync(client, poll.Id, r => r.Total == 1);
        var conditional = new HttpRequestMessage(HttpMethod.Get, $"/v1/polls/{poll.Id}/results");
        conditional.Headers.IfNoneMatch.Add(oldTag);
        var response = await client.SendAsync(conditional);

        Assert.True(after.Version > before.Version);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"\"{after.Version}\"", response.Headers.ETag?.Tag);
        Assert.Equal(1, after.Totals["c"]);
    }

    [Fact]
    public async Task Results_OfAJustOpenedPoll_AreServedAtOnce()
    {
        // Polls opened in quick succession: each one's results must be there as soon as the open is answered, not
        // only after the next publish tick (an on-air graphic that loads then must not be told "no such poll").
        var admin = _server.AdminClient();
        var client = _server.Client();
        for (var i = 0; i < 10; i++)
        {
            var poll = await Api.CreateOpenPollAsync(admin, "a", "b");

            var response = await client.GetAsync($"/v1/polls/{poll.Id}/results");

            Assert.True(response.StatusCode == HttpStatusCode.OK, $"poll {i}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            var results = (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.ResultsDto))!;
            Assert.Equal(poll.Id, results.PollId);
            Assert.Equal(0, results.Total);
            Assert.Equal(new[] { "a", "b" }, results.Totals.Keys.Order());
        }
    }

    [Fact]
    public async Task Results_OfAClosedPoll_StayServedWithClosedStatusAndFinalTotals()
    {
        var admin = _server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin, "yes", "no");
        var viewers = await Api.RegisterManyAsync(admin, 3);
        foreach (var (viewer, option) in viewers.Zip(new[] { "yes", "yes", "no" }))
        {
            (await Api.VoteAsync(admin, poll.Id, viewer.Token, option)).EnsureSuccessStatusCode();
        }

        (await Api.ClosePollAsync(admin, poll.Id)).EnsureSuccessStatusCode();

        var results = await Api.ResultsWhenAsync(_server.Client(), poll.Id, r => r.Status == "closed");
        Assert.Equal("closed", results.Status);
        Assert.Equal(2, results.Totals["yes"]);
        Assert.Equal(1, results.Totals["no"]);
        Assert.Equal(3, results.Total);
    }
}
