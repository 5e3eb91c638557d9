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

    [Fact]
    public async Task Vote_ThousandDistinctViewersConcurrently_TotalsEqualAcceptedEqualStoredRowsEqualAuditEntries()
    {
        string[] options = ["a", "b", "c", "d"];
        var admin = _server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin, options);
        var viewers = await Api.RegisterManyAsync(admin, 1000);
        var client = _server.Client();

        var responses = await Task.WhenAll(viewers.Select((v, i) => Api.VoteAsync(client, poll.Id, v.Token, options[i % options.Length])));

        var accepted = responses.Count(r => r.StatusCode == HttpStatusCode.Created);
        Assert.Equal(1000, accepted);
        var votes = await Task.WhenAll(responses.Select(Api.ReadVoteAsync));
        Assert.Equal(1000, votes.Select(v => v.VoteId).Distinct().Count());

        var results = await Api.ResultsWhenAsync(client, poll.Id, r => r.Total == accepted);
        Assert.Equal(accepted, results.Total);
        foreach (var (option, index) in options.Select((o, i) => (o, i)))
        {
            Assert.Equal(viewers.Where((_, i) => i % options.Length == index).Count(), results.Totals[option]);
        }

        Assert.Equal(accepted, StoreFile.CountVotes(_server.DatabasePath, poll.Id));
        Assert.Equal(results.Totals, StoreFile.Tallies(_server.DatabasePath, poll.Id));

        var voteEntries = (await Api.AuditAsync(client, poll.Id)).Where(e => e.Kind == "vote").ToList();
        Assert.Equal(accepted, voteEntries.Count);
        Assert.Equal(accepted, voteEntries.Select(e => e.VoterKey).Distinct().Count());

        // Every answer names its own audit entry: voteId is the entry's seq, the receipt its hash, under the viewer's pseudonym.
        var bySeq = voteEntries.ToDictionary(e => e.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var keys = TestVoterKeys.FromSqlite(_server.DatabasePath, poll.Id);
        for (var i = 0; i < viewers.Length; i++)
        {
            var entry = bySeq[votes[i].VoteId];
            Assert.Equal(votes[i].Receipt, entry.Hash);
            Assert.Equal(keys.Hex(viewers[i].ViewerId), entry.VoterKey);
            Assert.Equal(options[i % options.Length], entry.OptionId);
        }
    }

    [Fact]
    public async Task Vote_SecondDifferentOption_IsRefusedAlreadyVotedAndCountedNowhere()
    {
        var admin = _server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin);
        var viewer = await Api.RegisterAsync(admin);
        var client = _server.Client();
        var first = await Api.ReadVoteAsync(await Api.VoteAsync(client, poll.Id, viewer.Token, "a"));
        var before = await StoredState.CaptureAsync(_server);

        var second = await Api.VoteAsync(client, poll.Id, viewer.Token, "b");

        await ProblemAssert.IsAsync(second, HttpStatusCode.Conflict, ErrorCodes.AlreadyVoted);
        Assert.Equal(before, await StoredState.CaptureAsync(_server));
        var results = await Api.ResultsAsync(client, poll.Id);
        Assert.Equal(1, results.Totals["a"]);
        Assert.Equal(0, results.Totals["b"]);

        // The first vote still stands, unchanged, for a retry of it.
        var retry = await Api.VoteAsync(client, poll.Id, viewer.Token, "a");
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(first with { Status = VoteStatuses.Duplicate }, await Api.ReadVoteAsync(retry));
    }

    [Fact]
    public async Task Vote_OnDraftPoll_IsPollNotFoundAndChangesNothing()
    {
        var admin = _server.AdminClient();
        var draft = await Api.CreatePollAsync(admin);
        var viewer = await Api.RegisterAsync(admin);
        var before = await StoredState.CaptureAsync(_server);

        var response = await Api.VoteAsync(_server.Client(), draft.Id, viewer.Token, "a");

        await ProblemAssert.IsAsync(response, HttpStatusCode.NotFound, ErrorCodes.PollNotFound);
        Assert.Equal(before, await StoredState.CaptureAsync(_server));
        Assert.Equal(0, StoreFile.CountVotes(_server.DatabasePath, draft.Id));
    }

    [Fact]
    public async Task Vote_OnClosedPoll_NewVoteIsPollNotOpen_RetryOfACountedVoteGetsItBack_AndNothingChanges()
    {
        var admin = _server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin);
        var viewers = await Api.RegisterManyAsync(admin, 2);
        var first = await Api.VoteAsync(_server.Client(), poll.Id, viewers[0].Token, "a");
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var counted = await Api.ReadVoteAsync(first);
        (await Api.ClosePollAsync(admin, poll.Id)).EnsureSuccessStatusCode();
        var before = await StoredState.CaptureAsync(_server);

        var late = await Api.VoteAsync(_server.Client(), poll.Id, viewers[1].Token, "b");
        var retried = await Api.VoteAsync(_server.Client(), poll.Id, viewers[0].Token, "a");
        var changedMind = await Api.VoteAsync(_server.Client(), poll.Id, viewers[0].Token, "b");

        await ProblemAssert.IsAsync(late, HttpStatusCode.Conflict, ErrorCodes.PollNotOpen);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        var again = await Api.ReadVoteAsync(retried);
        Assert.Equal((VoteStatuses.Duplicate, counted.VoteId, counted.Receipt), (again.Status, again.VoteId, again.Receipt));
        await ProblemAssert.IsAsync(changedMind, HttpStatusCode.Conflict, ErrorCodes.AlreadyVoted);
        Assert.Equal(before, await StoredState.CaptureAsync(_server));
        Assert.Equal(1, StoreFile.CountVotes(_server.DatabasePath, poll.Id));
    }

    [Fact]
    public async Task Vote_ForUnknownOption_IsUnprocessableAndChangesNothing()
    {
        var admin = _server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin);
        var viewer = await Api.RegisterAsync(admin);
        var before = await StoredState.CaptureAsync(_server);

        var response = await Api.VoteAsync(_server.Client(), poll.Id, viewer.Token, "zz");

        await ProblemAssert.IsAsync(response, HttpStatusCode.UnprocessableEntity, ErrorCodes.UnknownOption);
        Assert.Equal(before, await StoredState.CaptureAsync(_server));

        // The refusal did not use up the viewer's vote.
        Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(_server.Client(), poll.Id, viewer.Token, "c")).StatusCode);
    }

    [Fact]
    public async Task Vote_OnUnknownPoll_IsPollNotFoundAndChangesNothing()
    {
        var admin = _server.AdminClient();
        await Api.CreateOpenPollAsync(admin);
        var viewer = await Api.RegisterAsync(admin);
        var before = await StoredState.CaptureAsync(_server);

        var response = await Api.VoteAsync(_server.Client(), "no-such-poll", viewer.Token, "a");

        await ProblemAssert.IsAsync(response, HttpStatusCode.NotFound, ErrorCodes.PollNotFound);
        Assert.Equal(before, await StoredState.CaptureAsync(_server));
    }
}
