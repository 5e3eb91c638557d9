using System.Net;
using System.Net.Http.Json;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Polls;

public sealed class PollLifecycleTests : IDisposable
{
    private readonly LiveVoteServer _server = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task Poll_MovesDraftOpenClosed_AndEachChangeIsAudited()
    {
        var admin = _server.AdminClient();

        var created = await Api.CreatePollAsync(admin, "  Who stays?  ", "aria", "bruno");
        Assert.Equal("draft", created.Status);
        Assert.Equal("Who stays?", created.Title);
        Assert.Matches("^p-[a-z0-9]{10}$", created.Id);
        Assert.Null(created.OpenedAt);

        var opened = (await (await Api.OpenPollAsync(admin, created.Id)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync(ContractsJsonContext.Default.PollDto))!;
        Assert.Equal("open", opened.Status);
        Assert.NotNull(opened.OpenedAt);
        Assert.Null(opened.ClosedAt);

        var closed = (await (await Api.ClosePollAsync(admin, created.Id)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync(ContractsJsonContext.Default.PollDto))!;
        Assert.Equal("closed", closed.Status);
        Assert.NotNull(closed.ClosedAt);
        Assert.Equal(opened.OpenedAt, closed.OpenedAt);

        var entries = await Api.AuditAsync(_server.Client(), created.Id);
        Assert.Equal(new[] { "poll-created", "poll-opened", "poll-closed" }, entries.Select(e => e.Kind));
        Assert.All(entries, e => Assert.Equal(created.Id, e.PollId));
        Assert.All(entries, e => Assert.Null(e.VoterKey));
        Assert.Equal("{\"title\":\"Who stays?\",\"options\":[{\"id\":\"aria\",\"label\":\"Option aria\"},{\"id\":\"bruno\",\"label\":\"Option bruno\"}],\"operator\":\"admin-key\"}", entries[0].Data);
        IndependentAudit.AssertPollEntriesVerify(entries);
        IndependentAudit.AssertChainVerifies(StoreFile.ReadAudit(_server.DatabasePath));

        var fetched = (await _server.Client().GetFromJsonAsync($"/v1/polls/{created.Id}", ContractsJsonContext.Default.PollDto))!;
        Assert.Equal("closed", fetched.Status);
    }

    [Theory]
    [InlineData("open")]
    [InlineData("close")]
    public async Task Poll_ClosedIsNeverReopenedOrClosedAgain_InvalidTransitionChangesNothing(string action)
    {
        var admin = _server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin);
        (await Api.ClosePollAsync(admin, poll.Id)).EnsureSuccessStatusCode();
        var before = await StoredState.CaptureAsync(_server);

        var response = await admin.PostAsync($"/v1/polls/{poll.Id}/{action}", null);

        await ProblemAssert.IsAsync(response, HttpStatusCode.Conflict, ErrorCodes.InvalidTransition);
        Assert.Equal(before, await StoredState.CaptureAsync(_server));
    }

    [Fact]
    public async Task Poll_OpenTwice_IsInvalidTransitionAndChangesNothing()
    {
        var admin = _server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin);
        var before = await StoredState.CaptureAsync(_server);

        var response = await Api.OpenPollAsync(admin, poll.Id);

        await ProblemAssert.IsAsync(response, HttpStatusCode.Conflict, ErrorCodes.InvalidTransition);
        Assert.Equal(before, await StoredState.CaptureAsync(_server));
    }

    [Fact]
    public async Task Poll_DraftClosedWithoutOpening_IsInvalidTransitionAndChangesNothing()
    {
        var admin = _server.AdminClient();
        var draft = await Api.CreatePollAsync(admin);
        var before = await StoredState.CaptureAsync(_server);

        var response = await Api.ClosePollAsync(admin, draft.Id);

        await ProblemAssert.IsAsync(response, HttpStatusCode.Conflict, ErrorCodes.InvalidTransition);
        Assert.Equal(before, await StoredState.CaptureAsync(_server));
    }

    [Theory]
    [InlineData("open")]
    [InlineData("close")]
    public async Task Poll_ChangeOfUnknownPoll_IsPollNotFoundAndChangesNothing(string action)
    {
        var admin = _server.AdminClient();
        await Api.CreateOpenPollAsync(admin);
        var before = await StoredState.CaptureAsync(_server);

        var response = await admin.PostAsync($"/v1/polls/p-doesnotexist/{action}", null);

        await ProblemAssert.IsAsync(response, HttpStatusCode.NotFound, ErrorCodes.PollNotFound);
        Assert.Equal(before, await StoredState.CaptureAsync(_server));
    }

    [Fact]
    public async Task Poll_Drafts_AreHiddenFromThePublicButShownToTheAdmin()
    {
        var admin = _server.AdminClient();
        var draft = await Api.CreatePollAsync(admin, "Secret until on air");
        var open = await Api.CreateOpenPollAsync(admin);
        var anonymous = _server.Client();

        var publicList = (await anonymous.GetFromJsonAsync("/v1/polls", ContractsJsonContext.Default.PollListDto))!;
        var adminList = (await admin.GetFromJsonAsync("/v1/polls", ContractsJsonContext.Default.PollListDto))!;

        Assert.Equal(new[] { open.Id }, publicList.Polls.Select(p => p.Id));
        Assert.Equal(new[] { draft.Id, open.Id }.Order(), adminList.Polls.Select(p => p.Id).Order());
        await ProblemAssert.IsAsync(await anonymous.GetAsync($"/v1/polls/{draft.Id}"), HttpStatusCode.NotFound, ErrorCodes.PollNotFound);
        await ProblemAssert.IsAsync(await anonymous.GetAsync($"/v1/polls/{draft.Id}/results"), HttpStatusCode.NotFound, ErrorCodes.PollNotFound);
        await ProblemAssert.IsAsync(await anonymous.GetAsync($"/v1/polls/{draft.Id}/audit"), HttpStatusCode.NotFound, ErrorCodes.PollNotFound);
        var seenByAdmin = (await admin.GetFromJsonAsync($"/v1/polls/{draft.Id}", ContractsJsonContext.Default.PollDto))!;
        Assert.Equal("draft", seenByAdmin.Status);
        Assert.Equal("Secret until on air", seenByAdmin.Title);
    }

    [Fact]
    public async Task Poll_Created_HasTheDefinitionSentAndIsVisibleToAdminAtOnce()
    {
        var admin = _server.AdminClient();
        var response = await admin.PostAsJsonAsync("/v1/polls",
            new CreatePollRequest("Final", [new PollOptionDto("aria", "Aria"), new PollOptionDto("bruno-2", "  Bruno  ")]), ContractsJsonContext.Default.CreatePollRequest);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var poll = (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PollDto))!;
        Assert.Equal($"/v1/polls/{poll.Id}", response.Headers.Location?.OriginalString);
        Assert.Equal(new[] { new PollOptionDto("aria", "Aria"), new PollOptionDto("bruno-2", "Bruno") }, poll.Options);
        var fetched = (await admin.GetFromJsonAsync($"/v1/polls/{poll.Id}", ContractsJsonContext.Default.PollDto))!;
        Assert.Equal(poll.Options, fetched.Options);
        Assert.Equal(poll.Title, fetched.Title);
    }
}
