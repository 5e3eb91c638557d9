using System.Net;
using System.Net.Http.Json;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Storage;

/// <summary>A clean restart on the same data folder resumes everything: polls, totals, dedup and the audit chain.</summary>
public sealed class RestartTests : IDisposable
{
    private readonly string _dataDirectory = TempDirectory.Create("livevote-restart");

    public void Dispose() => TempDirectory.Delete(_dataDirectory);

    [Fact]
    public async Task Server_RestartedOnSameData_KeepsPollsTotalsDedupAndChain()
    {
        PollDto open, draft, closed;
        RegisterViewerResponse[] viewers;
        VoteResponse[] votes;
        long headSeq;
        await using (var server = new LiveVoteServer(dataDirectory: _dataDirectory))
        {
            var admin = server.AdminClient();
            open = await Api.CreateOpenPollAsync(admin, "a", "b");
            draft = await Api.CreatePollAsync(admin, "Later", "x", "y");
            closed = await Api.CreateOpenPollAsync(admin, "x", "y");
            viewers = await Api.RegisterManyAsync(admin, 5);
            votes = await Task.WhenAll(viewers.Select(async (v, i) =>
                await Api.ReadVoteAsync((await Api.VoteAsync(admin, open.Id, v.Token, i < 3 ? "a" : "b")).EnsureSuccessStatusCode())));
            (await Api.VoteAsync(admin, closed.Id, viewers[0].Token, "y")).EnsureSuccessStatusCode();
            (await Api.ClosePollAsync(admin, closed.Id)).EnsureSuccessStatusCode();
            headSeq = StoreFile.ReadAudit(server.DatabasePath)[^1].Seq;
        }

        await using var restarted = new LiveVoteServer(dataDirectory: _dataDirectory);
        var client = restarted.Client();
        var adminAfter = restarted.AdminClient();

        // Polls, with their state.
        var polls = (await adminAfter.GetFromJsonAsync("/v1/polls", ContractsJsonContext.Default.PollListDto))!.Polls.ToDictionary(p => p.Id);
        Assert.Equal("open", polls[open.Id].Status);
        Assert.Equal("draft", polls[draft.Id].Status);
        Assert.Equal("closed", polls[closed.Id].Status);
        Assert.Equal(open.Options, polls[open.Id].Options);

        // Totals.
        var results = await Api.ResultsWhenAsync(client, open.Id, r => r.Total == 5);
        Assert.Equal(3, results.Totals["a"]);
        Assert.Equal(2, results.Totals["b"]);
        Assert.Equal(1, (await Api.ResultsWhenAsync(client, closed.Id, r => r.Total == 1)).Totals["y"]);

        // Dedup: a retried vote is the same vote; a different one is still refused; the closed poll stays closed.
        var retry = await Api.VoteAsync(client, open.Id, viewers[0].Token, "a");
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(votes[0] with { Status = VoteStatuses.Duplicate }, await Api.ReadVoteAsync(retry));
        await ProblemAssert.IsAsync(await Api.VoteAsync(client, open.Id, viewers[4].Token, "a"), HttpStatusCode.Conflict, ErrorCodes.AlreadyVoted);
        await ProblemAssert.IsAsync(await Api.VoteAsync(client, closed.Id, viewers[1].Token, "x"), HttpStatusCode.Conflict, ErrorCodes.PollNotOpen);

        // The chain goes on from where it was: next seq, linked to the old head.
        var newcomer = await Api.RegisterAsync(adminAfter);
        var next = await Api.ReadVoteAsync((await Api.VoteAsync(client, open.Id, newcomer.Token, "b")).EnsureSuccessStatusCode());
        Assert.Equal(VoteStatuses.Accepted, next.Status);
        Assert.Equal((headSeq + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), next.VoteId);
        var chain = StoreFile.ReadAudit(restarted.DatabasePath);
        Assert.Equal(headSeq + 1, chain[^1].Seq);
        Assert.Equal(next.Receipt, chain[^1].Hash);
        IndependentAudit.AssertChainVerifies(chain);
        Assert.Equal(3, (await Api.ResultsWhenAsync(client, open.Id, r => r.Total == 6)).Totals["b"]);

        // And the draft can still be opened after the restart.
        (await Api.OpenPollAsync(adminAfter, draft.Id)).EnsureSuccessStatusCode();
        Assert.Equal("poll-opened", StoreFile.ReadAudit(restarted.DatabasePath)[^1].Kind);
    }
}
