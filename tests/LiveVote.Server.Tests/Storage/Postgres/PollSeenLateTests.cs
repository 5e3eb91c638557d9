using System.Net;
using System.Net.Http.Json;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Storage.Postgres;

/// <summary>
/// A node learns of another node's poll changes at its next refresh. Here the refresh is slowed to 5 s, so every request
/// below reaches a node that has not seen the change yet: it must ask the store before it refuses, never answer from a
/// stale view (a 404 for a poll just opened, a 409 for a release of results just frozen).
/// </summary>
public sealed class PollSeenLateTests() : FleetTestBase(new Dictionary<string, string?> { ["LiveVote:Postgres:RefreshIntervalMs"] = "5000" })
{
    [Fact]
    public async Task VotesRightAfterTheOpenOnAnotherNode_AreAcceptedExactlyOnce_NeverNotFound()
    {
        var viewer = await Api.RegisterAsync(Nodes[1].AdminClient());
        var poll = await Api.CreateOpenPollAsync(Nodes[0].AdminClient());

        var responses = await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
            Api.VoteAsync(Nodes[i % 3].Client(), poll.Id, viewer.Token, "a")));

        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, r.StatusCode.ToString()));
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        var votes = await Task.WhenAll(responses.Select(r => r.Content.ReadFromJsonAsync(ContractsJsonContext.Default.VoteResponse)));
        Assert.Single(votes.Select(v => v!.VoteId).Distinct());
    }

    [Fact]
    public async Task TheNodeThatChangedAPoll_ServesItsResultsInTheNewState_AsSoonAsTheChangeIsAnswered()
    {
        // The refresh is 5 s: without waiting for a read of its own change, the node would answer for the poll just opened
        // 404 (public results) and 503 (live count), and after the close its old status, until its next refresh. (Later
        // public snapshots are coalesced by the publish interval; the live count takes each change at once.)
        var admin = Nodes[0].AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin);

        Assert.Equal("open", (await Api.ResultsAsync(Nodes[0].Client(), poll.Id)).Status);
        var live = await PresentationApi.LiveAsync(admin, poll.Id);
        Assert.Equal(("open", 0L), (live.Status, live.Total));

        (await PresentationApi.FreezeAsync(admin, poll.Id)).EnsureSuccessStatusCode();
        (await Api.ClosePollAsync(admin, poll.Id)).EnsureSuccessStatusCode();

        Assert.Equal("closed", (await PresentationApi.LiveAsync(admin, poll.Id)).Status);
    }

    [Fact]
    public async Task VoteForAPollNoNodeHas_IsStillNotFound()
    {
        var viewer = await Api.RegisterAsync(Nodes[0].AdminClient());

        var response = await Api.VoteAsync(Nodes[2].Client(), "no-such-poll", viewer.Token, "a");

        await ProblemAssert.IsAsync(response, HttpStatusCode.NotFound, ErrorCodes.PollNotFound);
    }

    [Fact]
    public async Task ReleaseAndClose_RightAfterAFreezeOnAnotherNode_AreApplied()
    {
        var poll = await Api.CreateOpenPollAsync(Nodes[0].AdminClient());
        (await PresentationApi.FreezeAsync(Nodes[0].AdminClient(), poll.Id)).EnsureSuccessStatusCode();

        var released = await PresentationApi.ReleaseAsync(Nodes[1].AdminClient(), poll.Id);
        var closed = await Api.ClosePollAsync(Nodes[2].AdminClient(), poll.Id);

        Assert.Equal(HttpStatusCode.OK, released.StatusCode);
        Assert.False((await PresentationApi.ReadPollAsync(released)).ResultsFrozen);
        Assert.Equal(HttpStatusCode.OK, closed.StatusCode);
        Assert.Equal("closed", (await PresentationApi.ReadPollAsync(closed)).Status);

        // A change that really is refused stays refused after the store was asked.
        await ProblemAssert.IsAsync(await Api.ClosePollAsync(Nodes[1].AdminClient(), poll.Id), HttpStatusCode.Conflict, ErrorCodes.InvalidTransition);
    }
}
