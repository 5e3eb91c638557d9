using System.Net;
using System.Net.Http.Json;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using static LiveVote.Server.Tests.Infrastructure.PresentationApi;

namespace LiveVote.Server.Tests.Polls;

/// <summary>
/// Whether the vote page shows viewers the live results after they vote: set at creation, changed through the writer
/// (durable, audited), and only a presentation setting: the public results endpoints serve either way.
/// </summary>
public sealed class ViewerResultsSettingTests : IDisposable
{
    private readonly LiveVoteServer _server = new();

    public void Dispose() => _server.Dispose();

    private async Task<PollDto> CreateAsync(bool? show)
    {
        var response = await _server.AdminClient().PostAsJsonAsync("/v1/polls",
            new CreatePollRequest("Who wins?", [new PollOptionDto("a", "A"), new PollOptionDto("b", "B")], show), ContractsJsonContext.Default.CreatePollRequest);
        return (await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync(ContractsJsonContext.Default.PollDto))!;
    }

    [Fact]
    public async Task CreatePoll_WithoutTheSetting_HidesResultsFromViewers_AndTheDefinitionSaysNothing()
    {
        var poll = await CreateAsync(null);

        Assert.False(poll.ShowResultsToViewers);
        var created = Assert.Single(StoreFile.ReadAudit(_server.DatabasePath), e => e.PollId == poll.Id);
        Assert.DoesNotContain("showResultsToViewers", created.Data, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreatePoll_ShowingResultsToViewers_IsStoredAndAuditedInTheDefinition()
    {
        var poll = await CreateAsync(true);

        Assert.True(poll.ShowResultsToViewers);
        Assert.True((await Api.PollAsync(_server.AdminClient(), poll.Id)).ShowResultsToViewers);
        var created = Assert.Single(StoreFile.ReadAudit(_server.DatabasePath), e => e.PollId == poll.Id);
        Assert.Equal("{\"title\":\"Who wins?\",\"options\":[{\"id\":\"a\",\"label\":\"A\"},{\"id\":\"b\",\"label\":\"B\"}],\"showResultsToViewers\":true,\"operator\":\"admin-key\"}", created.Data);
    }

    [Fact]
    public async Task SetViewerResults_ChangesAreDurableAndAudited_ARepeatChangesNothing()
    {
        var dataDirectory = TempDirectory.Create("livevote-viewer-results");
        try
        {
            string pollId;
            await using (var server = new LiveVoteServer(dataDirectory: dataDirectory))
            {
                var admin = server.AdminClient();
                pollId = (await Api.CreateOpenPollAsync(admin, "a", "b")).Id;
                Assert.True((await ReadPollAsync(await SetViewerResultsAsync(admin, pollId, true))).ShowResultsToViewers);
                var entries = (await Api.AuditAsync(admin, pollId)).Count;

                Assert.True((await ReadPollAsync(await SetViewerResultsAsync(admin, pollId, true))).ShowResultsToViewers);
                Assert.Equal(entries, (await Api.AuditAsync(admin, pollId)).Count);
            }

            await using var restarted = new LiveVoteServer(dataDirectory: dataDirectory);
            var adminAfter = restarted.AdminClient();
            Assert.True((await Api.PollAsync(restarted.Client(), pollId)).ShowResultsToViewers);
            Assert.False((await ReadPollAsync(await SetViewerResultsAsync(adminAfter, pollId, false))).ShowResultsToViewers);
            Assert.False((await Api.PollAsync(restarted.Client(), pollId)).ShowResultsToViewers);

            var kinds = (await Api.AuditAsync(adminAfter, pollId)).Select(e => e.Kind);
            Assert.Equal(["poll-created", "poll-opened", "viewer-results-shown", "viewer-results-hidden"], kinds);
            IndependentAudit.AssertChainVerifies(StoreFile.ReadAudit(restarted.DatabasePath));
        }
        finally
        {
            TempDirectory.Delete(dataDirectory);
        }
    }

    [Fact]
    public async Task SetViewerResults_OnADraftOrAClosedPoll_IsAllowed()
    {
        var admin = _server.AdminClient();
        var draft = await Api.CreatePollAsync(admin);
        var closed = await Api.CreateOpenPollAsync(admin);
        (await Api.ClosePollAsync(admin, closed.Id)).EnsureSuccessStatusCode();

        Assert.True((await ReadPollAsync(await SetViewerResultsAsync(admin, draft.Id, true))).ShowResultsToViewers);
        Assert.True((await ReadPollAsync(await SetViewerResultsAsync(admin, closed.Id, true))).ShowResultsToViewers);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"show\":null}")]
    [InlineData("{\"show\":\"yes\"}")]
    [InlineData("{\"show\":1}")]
    [InlineData("[]")]
    [InlineData("not json")]
    [InlineData("")]
    public async Task SetViewerResults_WithABadBody_IsAClientErrorAndChangesNothing(string body)
    {
        var admin = _server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin);
        var before = await StoredState.CaptureAsync(_server);

        var response = await Api.SendRawAsync(admin, HttpMethod.Post, $"/v1/polls/{poll.Id}/viewer-results", body);

        await ProblemAssert.IsClientErrorAsync(response);
        Assert.Equal(before, await StoredState.CaptureAsync(_server));
    }

    [Fact]
    public async Task SetViewerResults_WithoutTheAdminKey_Is401AndChangesNothing()
    {
        var poll = await Api.CreateOpenPollAsync(_server.AdminClient());
        var before = await StoredState.CaptureAsync(_server);

        var response = await SetViewerResultsAsync(_server.Client(), poll.Id, true);

        await ProblemAssert.IsAsync(response, HttpStatusCode.Unauthorized, ErrorCodes.AdminKeyRequired);
        Assert.Equal(before, await StoredState.CaptureAsync(_server));
    }

    [Fact]
    public async Task SetViewerResults_UnknownPoll_IsPollNotFound()
    {
        var response = await SetViewerResultsAsync(_server.AdminClient(), "p-nosuchpoll", true);

        await ProblemAssert.IsAsync(response, HttpStatusCode.NotFound, ErrorCodes.PollNotFound);
    }

    [Fact]
    public async Task PublicResults_ServeThePollWhetherOrNotViewersSeeThem()
    {
        var admin = _server.AdminClient();
        var poll = await CreateAsync(false);
        (await Api.OpenPollAsync(admin, poll.Id)).EnsureSuccessStatusCode();
        await CastAsync(admin, poll.Id, "a");

        var results = await Api.ResultsWhenAsync(_server.Client(), poll.Id, r => r.Total == 1);

        Assert.Equal(1, results.Totals["a"]);
        using var stream = await _server.Client().GetAsync($"/v1/polls/{poll.Id}/results/stream", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
    }
}
