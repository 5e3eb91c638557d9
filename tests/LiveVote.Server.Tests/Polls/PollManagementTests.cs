using System.Net;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using static LiveVote.Server.Tests.Polls.PollManagementApi;

namespace LiveVote.Server.Tests.Polls;

/// <summary>
/// A draft's edit and delete, and the archive of a closed poll: through the writer (durable, audited), refused in any
/// other state, and a deleted poll unknown everywhere while its row and its audit entries stay.
/// </summary>
public sealed class PollManagementTests : IDisposable
{
    private readonly LiveVoteServer _server = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task Edit_OfADraft_ReplacesItsDefinition_AndIsAudited_ARepeatWritesNothing()
    {
        var admin = _server.AdminClient();
        var draft = await CreatedAsync(admin, Definition(code: "OLD123"));

        var edited = await ReadAsync(await EditAsync(admin, draft.Id, Definition("Who really wins?", code: "new456", hide: true, "x", "y", "z")));

        Assert.Equal("Who really wins?", edited.Title);
        Assert.Equal(["x", "y", "z"], edited.Options.Select(o => o.Id));
        Assert.Equal("NEW456", edited.Code);
        Assert.True(edited.ResultsHidden);
        Assert.Equal("draft", edited.Status);
        await ProblemAssert.IsAsync(await ByCodeAsync(admin, "OLD123"), HttpStatusCode.NotFound, ErrorCodes.PollNotFound);
        Assert.Equal(draft.Id, (await ReadAsync(await ByCodeAsync(admin, "NEW456"))).Id);

        var rows = StoreFile.ReadAudit(_server.DatabasePath).Where(e => e.PollId == draft.Id).ToList();
        Assert.Equal(["poll-created", "poll-edited"], rows.Select(e => e.Kind));
        Assert.Contains("\"title\":\"Who really wins?\"", rows[1].Data, StringComparison.Ordinal);
        Assert.Contains("\"hideResultsUntilReveal\":true", rows[1].Data, StringComparison.Ordinal);

        // The same definition again: nothing to store; a code left out keeps the poll's.
        (await EditAsync(admin, draft.Id, Definition("Who really wins?", code: "NEW456", hide: true, "x", "y", "z"))).EnsureSuccessStatusCode();
        Assert.Equal(2, StoreFile.ReadAudit(_server.DatabasePath).Count(e => e.PollId == draft.Id));
        Assert.Equal("NEW456", (await ReadAsync(await EditAsync(admin, draft.Id, Definition("Title only", null, null, "x", "y")))).Code);

        // Votes count by the edited options once opened.
        (await Api.OpenPollAsync(admin, draft.Id)).EnsureSuccessStatusCode();
        var viewer = await Api.RegisterAsync(admin);
        (await Api.VoteAsync(admin, draft.Id, viewer.Token, "y")).EnsureSuccessStatusCode();
        Assert.Equal(1, (await PresentationApi.LiveWhenAsync(admin, draft.Id, r => r.Total == 1)).Totals["y"]);
    }

    [Fact]
    public async Task Edit_OfAnOpenOrClosedPoll_Is409_AndOfAnUnknownPoll_404_AndChangesNothing()
    {
        var admin = _server.AdminClient();
        var open = await Api.CreateOpenPollAsync(admin, "a", "b");
        var closed = await ClosedPollAsync(admin);
        var before = await StoredState.CaptureAsync(_server);

        await ProblemAssert.IsAsync(await EditAsync(admin, open.Id, Definition("New")), HttpStatusCode.Conflict, ErrorCodes.InvalidTransition);
        await ProblemAssert.IsAsync(await EditAsync(admin, closed.Id, Definition("New")), HttpStatusCode.Conflict, ErrorCodes.InvalidTransition);
        await ProblemAssert.IsAsync(await EditAsync(admin, "p-unknown", Definition("New")), HttpStatusCode.NotFound, ErrorCodes.PollNotFound);

        Assert.Equal(before, await StoredState.CaptureAsync(_server));
        Assert.Equal("Who wins?", (await Api.PollAsync(admin, open.Id)).Title);
    }

    [Theory]
    [InlineData("{\"title\":\"\",\"options\":[{\"id\":\"a\",\"label\":\"A\"},{\"id\":\"b\",\"label\":\"B\"}]}", 422)]
    [InlineData("{\"title\":\"T\",\"options\":[{\"id\":\"a\",\"label\":\"A\"}]}", 422)]
    [InlineData("{\"title\":\"T\",\"options\":[{\"id\":\"a\",\"label\":\"A\"},{\"id\":\"b\",\"label\":\"B\"}],\"code\":\"no!\"}", 422)]
    [InlineData("{\"title\":\"T\",\"options\":[{\"id\":\"a\",\"label\":\"A\"},{\"id\":\"b\",\"label\":\"B\"}],\"code\":\"ABCDEFGHJKMNPQ\"}", 422)]
    [InlineData("{\"title\":", 400)]
    [InlineData("", 400)]
    public async Task Edit_WithABadBody_IsAClientErrorAndChangesNothing(string body, int status)
    {
        var admin = _server.AdminClient();
        var draft = await Api.CreatePollAsync(admin);
        var before = await StoredState.CaptureAsync(_server);

        var response = await Api.SendRawAsync(admin, HttpMethod.Put, $"/v1/polls/{draft.Id}", body);

        Assert.Equal(status, (int)response.StatusCode);
        await ProblemAssert.IsClientErrorAsync(response);
        Assert.Equal(before, await StoredState.CaptureAsync(_server));
    }

    [Fact]
    public async Task Edit_ToATakenCode_Is409CodeTaken()
    {
        var admin = _server.AdminClient();
        await CreatedAsync(admin, Definition(code: "TAKEN1"));
        var draft = await CreatedAsync(admin, Definition());

        await ProblemAssert.IsAsync(await EditAsync(admin, draft.Id, Definition(code: "taken1")), HttpStatusCode.Conflict, ErrorCodes.CodeTaken);
        Assert.Equal(draft.Code, (await Api.PollAsync(admin, draft.Id)).Code);
    }

    [Fact]
    public async Task Delete_OfADraft_Is204_ThenThePollIs404Everywhere_ButItsRowAndAuditStay()
    {
        var admin = _server.AdminClient();
        var draft = await CreatedAsync(admin, Definition(code: "GONE42"));

        Assert.Equal(HttpStatusCode.NoContent, (await DeleteAsync(admin, draft.Id)).StatusCode);

        foreach (var response in new[]
        {
            await admin.GetAsync($"/v1/polls/{draft.Id}"),
            await ByCodeAsync(admin, "GONE42"),
            await Api.OpenPollAsync(admin, draft.Id),
            await EditAsync(admin, draft.Id, Definition()),
            await DeleteAsync(admin, draft.Id),
            await PostAsync(admin, draft.Id, "reveal"),
            await admin.GetAsync($"/v1/polls/{draft.Id}/results/live"),
        })
        {
            await ProblemAssert.IsAsync(response, HttpStatusCode.NotFound, ErrorCodes.PollNotFound);
        }

        Assert.DoesNotContain((await Api.PollsAsync(admin)).Polls, p => p.Id == draft.Id);
        using (var store = StoreFile.OpenReadOnly(_server.DatabasePath))
        using (var command = store.CreateCommand())
        {
            command.CommandText = "SELECT status, deleted_at IS NOT NULL FROM polls WHERE id = $id";
            command.Parameters.AddWithValue("$id", draft.Id);
            using var reader = command.ExecuteReader();
            Assert.True(reader.Read(), "the deleted poll's row is gone");
            Assert.Equal("draft", reader.GetString(0));
            Assert.True(reader.GetBoolean(1));
        }

        Assert.Equal(["poll-created", "poll-deleted"], StoreFile.ReadAudit(_server.DatabasePath).Where(e => e.PollId == draft.Id).Select(e => e.Kind));

        // Its code is free again.
        Assert.Equal("GONE42", (await CreatedAsync(admin, Definition(code: "GONE42"))).Code);
    }

    [Fact]
    public async Task Delete_OfAnOpenOrClosedPoll_Is409_AndOfAnUnknownPoll_404()
    {
        var admin = _server.AdminClient();
        var open = await Api.CreateOpenPollAsync(admin, "a", "b");
        var closed = await ClosedPollAsync(admin);
        var before = await StoredState.CaptureAsync(_server);

        await ProblemAssert.IsAsync(await DeleteAsync(admin, open.Id), HttpStatusCode.Conflict, ErrorCodes.InvalidTransition);
        await ProblemAssert.IsAsync(await DeleteAsync(admin, closed.Id), HttpStatusCode.Conflict, ErrorCodes.InvalidTransition);
        await ProblemAssert.IsAsync(await DeleteAsync(admin, "p-unknown"), HttpStatusCode.NotFound, ErrorCodes.PollNotFound);
        Assert.Equal(before, await StoredState.CaptureAsync(_server));
    }

    [Fact]
    public async Task Archive_OfAClosedPoll_LeavesThePublicList_StaysReadable_AndUnarchiveBringsItBack()
    {
        var admin = _server.AdminClient();
        var closed = await ClosedPollAsync(admin);

        var archived = await ReadAsync(await PostAsync(admin, closed.Id, "archive"));

        Assert.NotNull(archived.ArchivedAt);
        Assert.DoesNotContain((await Api.PollsAsync(_server.Client())).Polls, p => p.Id == closed.Id);
        Assert.NotNull(Assert.Single((await Api.PollsAsync(admin)).Polls, p => p.Id == closed.Id).ArchivedAt);
        Assert.Equal(closed.Id, (await Api.PollAsync(_server.Client(), closed.Id)).Id);
        Assert.Equal("closed", (await Api.ResultsWhenAsync(_server.Client(), closed.Id, r => r.Status == "closed")).Status);

        var entries = StoreFile.ReadAudit(_server.DatabasePath).Count(e => e.PollId == closed.Id);
        (await PostAsync(admin, closed.Id, "archive")).EnsureSuccessStatusCode();
        Assert.Equal(entries, StoreFile.ReadAudit(_server.DatabasePath).Count(e => e.PollId == closed.Id));

        Assert.Null((await ReadAsync(await PostAsync(admin, closed.Id, "unarchive"))).ArchivedAt);
        Assert.Contains((await Api.PollsAsync(_server.Client())).Polls, p => p.Id == closed.Id);
        Assert.Equal(["poll-archived", "poll-unarchived"],
            StoreFile.ReadAudit(_server.DatabasePath).Where(e => e.PollId == closed.Id).Select(e => e.Kind).Where(k => k.Contains("archived", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Archive_OfADraftOrAnOpenPoll_Is409_AndOfAnUnknownPoll_404()
    {
        var admin = _server.AdminClient();
        var draft = await Api.CreatePollAsync(admin);
        var open = await Api.CreateOpenPollAsync(admin, "a", "b");
        var before = await StoredState.CaptureAsync(_server);

        await ProblemAssert.IsAsync(await PostAsync(admin, draft.Id, "archive"), HttpStatusCode.Conflict, ErrorCodes.InvalidTransition);
        await ProblemAssert.IsAsync(await PostAsync(admin, open.Id, "archive"), HttpStatusCode.Conflict, ErrorCodes.InvalidTransition);
        await ProblemAssert.IsAsync(await PostAsync(admin, "p-unknown", "archive"), HttpStatusCode.NotFound, ErrorCodes.PollNotFound);
        Assert.Equal(before, await StoredState.CaptureAsync(_server));
    }

    [Fact]
    public async Task Restart_KeepsEveryNewField_AndTheTrailWithEveryNewKindVerifies()
    {
        var dataDirectory = TempDirectory.Create("livevote-poll-management");
        try
        {
            PollDto hidden, archived, deleted;
            await using (var server = new LiveVoteServer(dataDirectory: dataDirectory))
            {
                var admin = server.AdminClient();
                hidden = await CreatedAsync(admin, Definition(code: "HIDE01", hide: true));
                (await EditAsync(admin, hidden.Id, Definition("Edited", code: "HIDE02", hide: true, "x", "y"))).EnsureSuccessStatusCode();
                (await Api.OpenPollAsync(admin, hidden.Id)).EnsureSuccessStatusCode();
                await PresentationApi.CastAsync(admin, hidden.Id, "x", "y", "y");
                archived = await ClosedPollAsync(admin);
                (await PostAsync(admin, archived.Id, "hide-results")).EnsureSuccessStatusCode();
                (await PostAsync(admin, archived.Id, "reveal")).EnsureSuccessStatusCode();
                (await PostAsync(admin, archived.Id, "archive")).EnsureSuccessStatusCode();
                (await PostAsync(admin, archived.Id, "unarchive")).EnsureSuccessStatusCode();
                (await PostAsync(admin, archived.Id, "archive")).EnsureSuccessStatusCode();
                deleted = await CreatedAsync(admin, Definition(code: "DEL001"));
                (await DeleteAsync(admin, deleted.Id)).EnsureSuccessStatusCode();
            }

            await using var restarted = new LiveVoteServer(dataDirectory: dataDirectory);
            var adminAfter = restarted.AdminClient();
            var hiddenAfter = await Api.PollAsync(adminAfter, hidden.Id);
            Assert.Equal("HIDE02", hiddenAfter.Code);
            Assert.Equal("Edited", hiddenAfter.Title);
            Assert.True(hiddenAfter.ResultsHidden);
            Assert.True((await Api.ResultsAsync(restarted.Client(), hidden.Id)).Hidden);
            Assert.Equal(3, (await PresentationApi.LiveAsync(adminAfter, hidden.Id)).Total);
            var archivedAfter = await Api.PollAsync(adminAfter, archived.Id);
            Assert.NotNull(archivedAfter.ArchivedAt);
            Assert.False(archivedAfter.ResultsHidden);
            Assert.DoesNotContain((await Api.PollsAsync(restarted.Client())).Polls, p => p.Id == archived.Id);
            await ProblemAssert.IsAsync(await adminAfter.GetAsync($"/v1/polls/{deleted.Id}"), HttpStatusCode.NotFound, ErrorCodes.PollNotFound);
            Assert.Equal(hidden.Id, (await ReadAsync(await ByCodeAsync(restarted.Client(), "hide02"))).Id);

            // The auditor's own tool recomputes the polls from the trail, new kinds and all: an honest trail verifies.
            IndependentAudit.AssertChainVerifies(StoreFile.ReadAudit(restarted.DatabasePath));
            var (exitCode, output) = await AuditVerifyCli.VerifySqliteAsync(restarted.DatabasePath);
            Assert.True(exitCode == 0, output);
            Assert.Contains("poll-edited", output, StringComparison.Ordinal);
        }
        finally
        {
            TempDirectory.Delete(dataDirectory);
        }
    }
}
