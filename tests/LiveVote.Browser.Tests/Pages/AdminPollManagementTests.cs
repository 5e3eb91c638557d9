using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LiveVote.Browser.Tests.Infrastructure;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LiveVote.Browser.Tests.Pages;

/// <summary>
/// Poll management on the producer desk (poll-manage.js, poll-editor.js, poll-preview.js): join codes chosen or
/// generated, hidden results and their reveal, edit and delete of drafts, archive of closed polls, the graphic's
/// preview, and refusals said on the form or the card. Every outcome is checked through the API, not the page alone.
/// </summary>
// The preview frames the on-air graphic inside the console: the graphic's page may be framed by its own origin by
// default (every other page refuses any frame), so these run with the default settings.
public sealed class AdminPollManagementTests(BrowserFixture browser) : PageTestBase(browser)
{
    public static TheoryData<string> Viewports => ["phone", "1080p"];

    private static ViewportSize Size(string viewport) => viewport == "phone" ? BrowserPage.Phone : BrowserPage.FullHd;

    // The management members (code, resultsHidden, archivedAt, hidden) are read as the JSON the pages read, by name.
    private async Task<Poll> CreateManagedPollAsync(string title, string? code = null, bool hideResults = false)
    {
        var body = new JsonObject
        {
            ["title"] = title,
            ["options"] = new JsonArray(new JsonObject { ["id"] = "red", ["label"] = "Red" }, new JsonObject { ["id"] = "blue", ["label"] = "Blue" }),
            ["code"] = code,
            ["hideResultsUntilReveal"] = hideResults,
        };
        using var response = await Admin.PostAsync("/v1/polls", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
        return new Poll(JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    private static async Task<JsonNode> ReadAsync(HttpClient client, string path) => JsonNode.Parse(await client.GetStringAsync(path))!;

    private static async Task<IReadOnlyList<Poll>> PollsAsync(HttpClient client) =>
        [.. (await ReadAsync(client, "/v1/polls"))["polls"]!.AsArray().Select(p => new Poll(p!))];

    private Task<IReadOnlyList<Poll>> PublicPollsAsync() => PollsAsync(Public);

    private Task<IReadOnlyList<Poll>> AdminPollsAsync() => PollsAsync(Admin);

    private static async Task<Poll> ReadPollAsync(HttpClient client, string pollId) => new(await ReadAsync(client, $"/v1/polls/{pollId}"));

    /// <summary>GET /v1/polls/{id}/results as the public sees it: whether hidden, the total, each answer's count.</summary>
    private async Task<(bool Hidden, long Total, JsonObject Totals)> PublicResultsAsync(string pollId)
    {
        var results = await ReadAsync(Public, $"/v1/polls/{pollId}/results");
        return (results["hidden"]?.GetValue<bool>() ?? false, results["total"]!.GetValue<long>(), results["totals"]!.AsObject());
    }

    private async Task<(bool Hidden, long Total, JsonObject Totals)> PublicResultsWhenAsync(string pollId, Func<(bool Hidden, long Total, JsonObject Totals), bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var results = await PublicResultsAsync(pollId);
            if (done(results) || DateTime.UtcNow > deadline)
            {
                return results;
            }

            await Task.Delay(100);
        }
    }

    private sealed record Poll(JsonNode Json)
    {
        public string Id => Json["id"]!.GetValue<string>();

        public string Title => Json["title"]!.GetValue<string>();

        public string Status => Json["status"]!.GetValue<string>();

        public string? Code => Json["code"]?.GetValue<string>();

        public bool ResultsHidden => Json["resultsHidden"]?.GetValue<bool>() ?? false;

        public string? ArchivedAt => Json["archivedAt"]?.GetValue<string>();

        public string? VoteUrl => Json["voteUrl"]?.GetValue<string>();

        public IEnumerable<string> OptionIds => Json["options"]!.AsArray().Select(o => o!["id"]!.GetValue<string>());

        public IEnumerable<string> OptionLabels => Json["options"]!.AsArray().Select(o => o!["label"]!.GetValue<string>());
    }

    private static ILocator ConfirmDialog(IPage page) => page.Locator("dialog.confirm-dialog");

    /// <param name="fullPage">False for a modal dialog: its backdrop covers the viewport only.</param>
    private static async Task ShootAsync(IPage page, string fileName, bool fullPage = true)
    {
        await page.ScreenshotAsync(new PageScreenshotOptions
        {
            Path = Screenshots.FreshPathFor(fileName), FullPage = fullPage, Animations = ScreenshotAnimations.Disabled,
        });
        Assert.True(new FileInfo(Screenshots.PathFor(fileName)).Length > 0);
    }

    [Theory]
    [MemberData(nameof(Viewports))]
    public async Task Create_WithAChosenCodeAndHiddenResults_StoresBoth_AndTheCardShowsCodeLinkAndHiddenResults(string viewport)
    {
        await using var session = await OpenPageAsync(Size(viewport));
        var page = session.Page;
        await SignInAsync(page);

        await page.GetByLabel("Question", new() { Exact = true }).FillAsync("Who wins the quiz?");
        await page.GetByLabel("Answer 1", new() { Exact = true }).FillAsync("Team Red");
        await page.GetByLabel("Answer 2", new() { Exact = true }).FillAsync("Team Blue");
        var code = page.GetByLabel("Join code");
        await code.PressSequentiallyAsync("quiz42");
        // Typed in lower case, shown as it will be read out on air.
        await Expect(code).ToHaveValueAsync("QUIZ42");
        await page.GetByLabel("Hide results until I reveal them").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Create poll" }).ClickAsync();

        var item = PollItem(page, "Who wins the quiz?");
        await Expect(item.Locator(".join-code")).ToHaveTextAsync("QUIZ42");
        var created = Assert.Single(await AdminPollsAsync());
        Assert.Equal("QUIZ42", created.Code);
        Assert.True(created.ResultsHidden);
        await Expect(item.Locator(".join-link")).ToHaveAttributeAsync("href", created.VoteUrl ?? $"{BaseAddress.ToString().TrimEnd('/')}/v/QUIZ42");
        await Expect(item.Locator(".results-hidden-note")).ToHaveTextAsync("Results hidden from viewers and on air");
        await Expect(item.GetByRole(AriaRole.Button, new() { Name = "Reveal results: Who wins the quiz?" })).ToBeVisibleAsync();
        // The form is empty again for the next poll.
        await Expect(code).ToHaveValueAsync("");
        await Expect(page.GetByLabel("Hide results until I reveal them")).Not.ToBeCheckedAsync();

        // A second poll with no code gets a generated one, shown on its card.
        await page.GetByLabel("Question", new() { Exact = true }).FillAsync("Best song?");
        await page.GetByLabel("Answer 1", new() { Exact = true }).FillAsync("Ballad");
        await page.GetByLabel("Answer 2", new() { Exact = true }).FillAsync("Anthem");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create poll" }).ClickAsync();
        var generated = PollItem(page, "Best song?").Locator(".join-code");
        await Expect(generated).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[A-HJ-NP-Z2-9]{6}$"));
        Assert.Equal(await generated.TextContentAsync(), (await AdminPollsAsync()).Single(p => p.Title == "Best song?").Code);
        await Expect(PollItem(page, "Best song?").Locator(".results-hidden-note")).ToHaveCountAsync(0);

        await AccessibilityCheck.AssertNoSeriousViolationsAsync(page, $"console with managed polls ({viewport})");
        await ShootAsync(page, $"admin-manage-{viewport}.png");
        session.AssertNoErrors();
    }

    [Fact]
    public async Task Create_WithATakenCode_SaysSoOnTheCodeField_AndCreatesNothing()
    {
        await CreateManagedPollAsync("The first one", code: "STUDIO");
        await using var session = await OpenPageAsync();
        var page = session.Page;
        await SignInAsync(page);

        await page.GetByLabel("Question", new() { Exact = true }).FillAsync("The second one");
        await page.GetByLabel("Answer 1", new() { Exact = true }).FillAsync("Yes");
        await page.GetByLabel("Answer 2", new() { Exact = true }).FillAsync("No");
        await page.GetByLabel("Join code").FillAsync("studio");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create poll" }).ClickAsync();

        await Expect(page.Locator("#poll-code-error")).ToHaveTextAsync(
            "The join code STUDIO is already used by another poll. Choose another one, or leave it empty to get a generated one.");
        await Expect(page.GetByLabel("Join code")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.GetByLabel("Join code")).ToBeFocusedAsync();
        // What was typed stays, to be fixed rather than typed again.
        await Expect(page.GetByLabel("Question", new() { Exact = true })).ToHaveValueAsync("The second one");
        Assert.Equal(["The first one"], (await AdminPollsAsync()).Select(p => p.Title));

        await AccessibilityCheck.AssertNoSeriousViolationsAsync(page, "console with a taken join code");
        // The browser reports the 409 it was given; nothing else went wrong.
        Assert.All(session.Errors, e => Assert.Contains("409", e, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Viewports))]
    public async Task EditDraft_ChangesTitleAndAnswers_AsThePublicApiShowsOnceOpened(string viewport)
    {
        var draft = await CreateManagedPollAsync("Wrong questoin", code: "EDIT01");
        await using var session = await OpenPageAsync(Size(viewport));
        var page = session.Page;
        await SignInAsync(page);

        await PollItem(page, "Wrong questoin").GetByRole(AriaRole.Button, new() { Name = "Edit: Wrong questoin" }).ClickAsync();
        await Expect(page.Locator("#create-heading")).ToHaveTextAsync("Edit draft");
        await Expect(page.GetByLabel("Question", new() { Exact = true })).ToBeFocusedAsync();
        await Expect(page.GetByLabel("Question", new() { Exact = true })).ToHaveValueAsync("Wrong questoin");
        await Expect(page.GetByLabel("Answer 2", new() { Exact = true })).ToHaveValueAsync("Blue");
        await Expect(page.GetByLabel("Id of answer 2")).ToHaveValueAsync("blue");
        await Expect(page.GetByLabel("Join code")).ToHaveValueAsync("EDIT01");

        await page.GetByLabel("Question", new() { Exact = true }).FillAsync("Right question?");
        await page.GetByLabel("Answer 2", new() { Exact = true }).FillAsync("Navy blue");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add answer" }).ClickAsync();
        await page.GetByLabel("Answer 3", new() { Exact = true }).FillAsync("Green");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();

        await Expect(PollItem(page, "Right question?").Locator(".badge")).ToHaveTextAsync("Draft");
        await Expect(PollItem(page, "Wrong questoin")).ToHaveCountAsync(0);
        await Expect(page.Locator("#create-heading")).ToHaveTextAsync("New poll");
        await Expect(page.GetByLabel("Question", new() { Exact = true })).ToHaveValueAsync("");

        // Opened, the edited poll is what the public sees: the saved answer kept its id, the new one got its own.
        await OpenPollAsync(draft.Id);
        var seen = await ReadPollAsync(Public, draft.Id);
        Assert.Equal("Right question?", seen.Title);
        Assert.Equal(["red", "blue", "green"], seen.OptionIds);
        Assert.Equal(["Red", "Navy blue", "Green"], seen.OptionLabels);
        Assert.Equal("EDIT01", seen.Code);
        session.AssertNoErrors();
    }

    [Fact]
    public async Task EditDraft_OpenedMeanwhile_SaysItCanNoLongerBeEdited()
    {
        var draft = await CreateManagedPollAsync("Opened elsewhere");
        await using var session = await OpenPageAsync(BrowserPage.FullHd);
        var page = session.Page;
        await SignInAsync(page);
        await PollItem(page, "Opened elsewhere").GetByRole(AriaRole.Button, new() { Name = "Edit: Opened elsewhere" }).ClickAsync();
        await OpenPollAsync(draft.Id);

        await page.GetByLabel("Question", new() { Exact = true }).FillAsync("Too late");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();

        await Expect(page.Locator("#poll-form-error")).ToHaveTextAsync(
            "“Opened elsewhere” can no longer be edited: it is not a draft any more (it was opened). Only drafts can be changed.");
        await Expect(PollItem(page, "Opened elsewhere").Locator(".badge")).ToHaveTextAsync("Open");
        Assert.Equal("Opened elsewhere", (await GetPollAsync(draft.Id)).Title);
        Assert.All(session.Errors, e => Assert.Contains("409", e, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Viewports))]
    public async Task DeleteDraft_CancelKeepsIt_ConfirmDeletesIt(string viewport)
    {
        var draft = await CreateManagedPollAsync("Delete me?");
        await using var session = await OpenPageAsync(Size(viewport));
        var page = session.Page;
        await SignInAsync(page);
        var delete = page.GetByRole(AriaRole.Button, new() { Name = "Delete: Delete me?" });

        await delete.ClickAsync();
        var dialog = ConfirmDialog(page);
        await Expect(dialog).ToBeVisibleAsync();
        await Expect(dialog.GetByRole(AriaRole.Heading)).ToHaveTextAsync("Delete “Delete me?”?");
        await Expect(dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" })).ToBeFocusedAsync();
        await AccessibilityCheck.AssertNoSeriousViolationsAsync(page, $"delete confirmation ({viewport})");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(delete).ToBeFocusedAsync();
        // A later action round-trips through the page, so anything the cancel started has been sent by now.
        await page.GetByRole(AriaRole.Button, new() { Name = "Refresh" }).ClickAsync();
        await Expect(PollItem(page, "Delete me?")).ToHaveCountAsync(1);
        Assert.Equal("draft", (await GetPollAsync(draft.Id)).Status);

        await delete.ClickAsync();
        await ConfirmDialog(page).GetByRole(AriaRole.Button, new() { Name = "Delete draft" }).ClickAsync();

        await Expect(PollItem(page, "Delete me?")).ToHaveCountAsync(0);
        await Expect(page.Locator("#notice")).ToContainTextAsync("“Delete me?” is deleted.");
        Assert.Equal(HttpStatusCode.NotFound, (await Admin.GetAsync($"/v1/polls/{draft.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Public.GetAsync($"/v1/polls/{draft.Id}")).StatusCode);
        session.AssertNoErrors();
    }

    [Fact]
    public async Task DeleteDraft_OpenedMeanwhile_SaysWhyOnItsCard()
    {
        var draft = await CreateManagedPollAsync("Went live");
        await using var session = await OpenPageAsync(BrowserPage.FullHd);
        var page = session.Page;
        await SignInAsync(page);
        await Expect(PollItem(page, "Went live").Locator(".badge")).ToHaveTextAsync("Draft");
        await OpenPollAsync(draft.Id);

        await page.GetByRole(AriaRole.Button, new() { Name = "Delete: Went live" }).ClickAsync();
        await ConfirmDialog(page).GetByRole(AriaRole.Button, new() { Name = "Delete draft" }).ClickAsync();

        var item = PollItem(page, "Went live");
        await Expect(item.Locator(".card-error")).ToHaveTextAsync(
            "“Went live” cannot be deleted: it is not a draft any more (it was opened). Only drafts can be deleted.");
        await Expect(item.Locator(".badge")).ToHaveTextAsync("Open");
        Assert.Equal("open", (await GetPollAsync(draft.Id)).Status);
        await AccessibilityCheck.AssertNoSeriousViolationsAsync(page, "card with a refusal");
        Assert.All(session.Errors, e => Assert.Contains("409", e, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Viewports))]
    public async Task ArchiveClosedPoll_LeavesThePublicList_AndUnarchiveBringsItBack(string viewport)
    {
        var poll = await CreateManagedPollAsync("Last week's poll");
        await OpenPollAsync(poll.Id);
        await ClosePollAsync(poll.Id);
        await CreateManagedPollAsync("Tonight's poll");
        await using var session = await OpenPageAsync(Size(viewport));
        var page = session.Page;
        await SignInAsync(page);
        var toggle = page.GetByRole(AriaRole.Button, new() { Name = "Show archived" });
        await Expect(PollItem(page, "Last week's poll").Locator(".badge")).ToHaveTextAsync("Closed");
        await Expect(toggle).ToBeHiddenAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Archive: Last week's poll" }).ClickAsync();

        await Expect(PollItem(page, "Last week's poll")).ToHaveCountAsync(0);
        await Expect(PollItem(page, "Tonight's poll")).ToHaveCountAsync(1);
        await Expect(toggle).ToHaveTextAsync("Show archived (1)");
        await Expect(toggle).ToHaveAttributeAsync("aria-pressed", "false");
        Assert.DoesNotContain(poll.Id, (await PublicPollsAsync()).Select(p => p.Id));
        Assert.NotNull((await AdminPollsAsync()).Single(p => p.Id == poll.Id).ArchivedAt);
        // Still readable by id: archived is out of the list, not gone.
        Assert.Equal(HttpStatusCode.OK, (await Public.GetAsync($"/v1/polls/{poll.Id}")).StatusCode);

        await toggle.ClickAsync();
        var archived = PollItem(page, "Last week's poll");
        await Expect(archived.Locator(".archived-note")).ToHaveTextAsync("Archived: not in the public list.");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Hide archived (1)" })).ToHaveAttributeAsync("aria-pressed", "true");
        await AccessibilityCheck.AssertNoSeriousViolationsAsync(page, $"console showing an archived poll ({viewport})");
        await archived.GetByRole(AriaRole.Button, new() { Name = "Unarchive: Last week's poll" }).ClickAsync();

        await Expect(PollItem(page, "Last week's poll").Locator(".archived-note")).ToHaveCountAsync(0);
        await Expect(page.Locator("#show-archived")).ToBeHiddenAsync();
        Assert.Contains(poll.Id, (await PublicPollsAsync()).Select(p => p.Id));
        Assert.Null((await AdminPollsAsync()).Single(p => p.Id == poll.Id).ArchivedAt);
        session.AssertNoErrors();
    }

    [Theory]
    [MemberData(nameof(Viewports))]
    public async Task Reveal_AfterConfirming_PutsTheCountsOnThePublicResults_AndHideTakesThemOffAgain(string viewport)
    {
        var poll = await CreateManagedPollAsync("Secret ballot", hideResults: true);
        await OpenPollAsync(poll.Id);
        await CastVoteAsync(poll.Id, "red");
        await CastVoteAsync(poll.Id, "blue");
        await CastVoteAsync(poll.Id, "blue");
        await PresentationApi.LiveWhenAsync(Admin, poll.Id, r => r.Total == 3);
        var hidden = await PublicResultsAsync(poll.Id);
        Assert.True(hidden.Hidden);
        Assert.Equal(0, hidden.Total);

        await using var session = await OpenPageAsync(Size(viewport));
        var page = session.Page;
        await SignInAsync(page);
        var item = PollItem(page, "Secret ballot");
        await Expect(item.Locator(".results-hidden-note")).ToHaveTextAsync("Results hidden from viewers and on air");

        var reveal = item.GetByRole(AriaRole.Button, new() { Name = "Reveal results: Secret ballot" });
        await reveal.ClickAsync();
        await Expect(ConfirmDialog(page).GetByRole(AriaRole.Heading)).ToHaveTextAsync("Reveal the results of “Secret ballot”?");
        await ConfirmDialog(page).GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Refresh" }).ClickAsync();
        await Expect(item.Locator(".results-hidden-note")).ToBeVisibleAsync();
        Assert.True((await PublicResultsAsync(poll.Id)).Hidden);

        await reveal.ClickAsync();
        await ConfirmDialog(page).GetByRole(AriaRole.Button, new() { Name = "Reveal results" }).ClickAsync();

        await Expect(item.Locator(".results-hidden-note")).ToHaveCountAsync(0);
        var shown = await PublicResultsWhenAsync(poll.Id, r => !r.Hidden && r.Total == 3);
        Assert.False(shown.Hidden);
        Assert.Equal(3, shown.Total);
        Assert.Equal(2, shown.Totals["blue"]!.GetValue<long>());

        await item.GetByRole(AriaRole.Button, new() { Name = "Hide results: Secret ballot" }).ClickAsync();
        await ConfirmDialog(page).GetByRole(AriaRole.Button, new() { Name = "Hide results" }).ClickAsync();
        await Expect(item.Locator(".results-hidden-note")).ToBeVisibleAsync();
        var again = await PublicResultsWhenAsync(poll.Id, r => r.Hidden);
        Assert.True(again.Hidden);
        Assert.Equal(0, again.Total);
        session.AssertNoErrors();
    }

    [Theory]
    [MemberData(nameof(Viewports))]
    public async Task Preview_ShowsTheOnAirGraphicInADialog_AndClosingReturnsToTheCard(string viewport)
    {
        var poll = await CreateManagedPollAsync("On air soon");
        await OpenPollAsync(poll.Id);
        await CastVoteAsync(poll.Id, "red");
        await using var session = await OpenPageAsync(Size(viewport));
        var page = session.Page;
        await SignInAsync(page);
        var preview = PollItem(page, "On air soon").GetByRole(AriaRole.Button, new() { Name = "Preview: On air soon" });

        await preview.ClickAsync();

        var dialog = page.Locator("dialog.preview-dialog");
        await Expect(dialog.GetByRole(AriaRole.Heading)).ToHaveTextAsync("Preview: On air soon");
        var frame = dialog.Locator("iframe");
        await Expect(frame).ToHaveAttributeAsync("src", $"/results/{poll.Id}?preview=1");
        // The graphic itself ran inside the frame: its question is drawn there.
        await Expect(page.FrameLocator("dialog.preview-dialog iframe").GetByText("On air soon").First).ToBeVisibleAsync();
        await Expect(dialog.GetByRole(AriaRole.Link, new() { Name = "Open in a new tab" })).ToHaveAttributeAsync("href", $"/results/{poll.Id}?preview=1");
        await AccessibilityCheck.AssertNoSeriousViolationsAsync(page, $"preview dialog ({viewport})");
        await ShootAsync(page, $"admin-manage-preview-{viewport}.png", fullPage: false);

        await page.Keyboard.PressAsync("Escape");
        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(preview).ToBeFocusedAsync();
        session.AssertNoErrors();
    }

    [Fact]
    public async Task Preview_OfADraft_FramesTheGraphicsPreviewAddress()
    {
        var draft = await CreateManagedPollAsync("Not open yet");
        await using var session = await OpenPageAsync(BrowserPage.FullHd);
        var page = session.Page;
        await SignInAsync(page);

        await page.GetByRole(AriaRole.Button, new() { Name = "Preview: Not open yet" }).ClickAsync();

        var frame = page.Locator("dialog.preview-dialog iframe");
        await Expect(frame).ToHaveAttributeAsync("src", $"/results/{draft.Id}?preview=1");
        // The frame loaded the graphic page (same origin, allowed to be framed), whatever it draws for a draft.
        await Expect(page.FrameLocator("dialog.preview-dialog iframe").Locator("body")).ToBeAttachedAsync();
        Assert.Contains(page.Frames, f => f.Url.EndsWith($"/results/{draft.Id}?preview=1", StringComparison.Ordinal));
        await page.GetByRole(AriaRole.Button, new() { Name = "Close preview" }).ClickAsync();
        await Expect(page.Locator("dialog.preview-dialog")).ToHaveCountAsync(0);
    }
}
