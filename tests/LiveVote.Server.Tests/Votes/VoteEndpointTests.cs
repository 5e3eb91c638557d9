using System.Net;
using System.Net.Http.Json;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Votes;

public sealed class VoteEndpointTests : IDisposable
{
    private readonly LiveVoteServer _server = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task Vote_FirstTime_IsAcceptedAndCounted()
    {
        var admin = _server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin);
        var viewer = await Api.RegisterAsync(admin);

        var response = await Api.VoteAsync(_server.Client(), poll.Id, viewer.Token, "b");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var vote = await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.VoteResponse);
        Assert.Equal(VoteStatuses.Accepted, vote!.Status);
        Assert.Matches("^[0-9a-f]{64}$", vote.Receipt);
        var results = await Api.ResultsWhenAsync(_server.Client(), poll.Id, r => r.Total == 1);
        Assert.Equal(1, results.Totals["b"]);
        Assert.Equal(1, results.Total);
    }

    [Fact]
    public async Task Vote_ConcurrentIdenticalRequests_AreAcceptedOnceAndCountedOnce()
    {
        var admin = _server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin);
        var viewer = await Api.RegisterAsync(admin);
        var client = _server.Client();

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Api.VoteAsync(client, poll.Id, viewer.Token, "a")));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.Equal(49, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        var votes = await Task.WhenAll(responses.Select(r => r.Content.ReadFromJsonAsync(ContractsJsonContext.Default.VoteResponse)));
        Assert.Single(votes.Select(v => v!.VoteId).Distinct());
        Assert.Single(votes.Select(v => v!.Receipt).Distinct());
        var results = await Api.ResultsWhenAsync(client, poll.Id, r => r.Total >= 1);
        Assert.Equal(1, results.Total);
    }
}
