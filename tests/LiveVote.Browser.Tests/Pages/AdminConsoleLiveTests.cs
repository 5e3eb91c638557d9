using System.Text.Json.Nodes;
using LiveVote.Browser.Tests.Infrastructure;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Playwright;
using static LiveVote.Browser.Tests.Infrastructure.AccessibilityCheck;
using static LiveVote.Browser.Tests.Pages.ConsoleTestKit;

namespace LiveVote.Browser.Tests.Pages;

/// <summary>
/// The producer console's live side: per-answer counts and bars on each poll card, on air beside live while frozen,
/// the confirmation before an on-air action, the fleet's figures and the hardware panel URLs.
/// </summary>
public sealed class AdminConsoleLiveTests(BrowserFixture browser) : PageTestBase(browser)
{
    private static ILocator Cell(ILocator item, string optionId, string series) =>
        item.Locator($"tr[data-option-id='{optionId}'] td[data-series='{series}']");

    [Theory]
    [MemberData(nameof(Sizes), MemberType = typeof(ConsoleTestKit))]
    public async Task PollCard_ShowsEachAnswersLiveCountAndBar_AndFollowsTheVotes(string size)
    {
        var poll = await CreatePollAsync("Who wins?", ("north", "North"), ("south", "South"), ("east", "East"));
        await OpenPollAsync(poll.Id);
        await CastVoteAsync(poll.Id, "north");
        await CastVoteAsync(poll.Id, "north");
        await CastVoteAsync(poll.Id, "south");
        await using var session = await OpenPageAsync(SizeOf(size));
        var page = session.Page;
        await SignInAsync(page);
        var item = PollItem(page, "Who wins?");

        await Expect(Cell(item, "north", "live").Locator(".poll-bar-count")).ToHaveTextAsync("2 votes");
        await Expect(Cell(item, "north", "live").Locator(".poll-bar-percent")).ToHaveTextAsync("67%");
        await Expect(Cell(item, "south", "live").Locator(".poll-bar-count")).ToHaveTextAsync("1 vote");
        await Expect(Cell(item, "south", "live").Locator(".poll-bar-percent")).ToHaveTextAsync("33%");
        await Expect(Cell(item, "east", "live").Locator(".poll-bar-count")).ToHaveTextAsync("0 votes");
        // Not frozen: one column of figures, headed "Live"; the on-air column is not shown.
        await Expect(item.GetByRole(AriaRole.Columnheader, new() { Name = "Live" })).ToBeVisibleAsync();
        await Expect(item.GetByRole(AriaRole.Columnheader, new() { Name = "On air" })).ToBeHiddenAsync();
        Assert.Equal("0.6666666666666666", await Cell(item, "north", "live").Locator(".bar-fill")
            .EvaluateAsync<string>("e => e.style.getPropertyValue('--share')"));

        await CastVoteAsync(poll.Id, "east");

        await Expect(Cell(item, "east", "live").Locator(".poll-bar-count")).ToHaveTextAsync("1 vote");
        await Expect(Cell(item, "north", "live").Locator(".poll-bar-percent")).ToHaveTextAsync("50%");
        await Expect(item.Locator(".live-total")).ToHaveTextAsync("4 votes");
        await AssertNoSeriousViolationsAsync(page, "producer console, poll with counts");
        await ShootAsync(page, $"admin-console-bars-{size}.png");
        session.AssertNoErrors();
    }

    [Fact]
    public async Task ClosedPoll_KeepsItsCountsPerAnswer()
    {
        var poll = await CreatePollAsync("Song of the night?", ("alpha", "Alpha"), ("beta", "Beta"));
        await OpenPollAsync(poll.Id);
        await CastVoteAsync(poll.Id, "alpha");
        await CastVoteAsync(poll.Id, "beta");
        await CastVoteAsync(poll.Id, "beta");
        await ClosePollAsync(poll.Id);
        await using var session = await OpenPageAsync(BrowserPage.FullHd);
        var page = session.Page;
        await SignInAsync(page);
        var item = PollItem(page, "Song of the night?");

        await Expect(item.Locator(".live-total")).ToHaveTextAsync("Final: 3 votes");
        await Expect(item.GetByRole(AriaRole.Columnheader, new() { Name = "Count" })).ToBeVisibleAsync();
        await Expect(Cell(item, "alpha", "live").Locator(".poll-bar-count")).ToHaveTextAsync("1 vote");
        await Expect(Cell(item, "beta", "live").Locator(".poll-bar-count")).ToHaveTextAsync("2 votes");
        await Expect(Cell(item, "beta", "live").Locator(".poll-bar-percent")).ToHaveTextAsync("67%");
        session.AssertNoErrors();
    }

    [Theory]
    [MemberData(nameof(Sizes), MemberType = typeof(ConsoleTestKit))]
    public async Task FrozenPoll_ShowsTheOnAirCountsBesideTheLiveOnes_Labelled(string size)
    {
        var poll = await CreatePollAsync("Best band?", ("north", "North"), ("south", "South"));
        await OpenPollAsync(poll.Id);
        await CastVoteAsync(poll.Id, "north");
        await CastVoteAsync(poll.Id, "south");
        (await PresentationApi.FreezeAsync(Admin, poll.Id)).EnsureSuccessStatusCode();
        await CastVoteAsync(poll.Id, "south");
        await CastVoteAsync(poll.Id, "south");
        await CastVoteAsync(poll.Id, "south");
        await using var session = await OpenPageAsync(SizeOf(size));
        var page = session.Page;
        await SignInAsync(page);
        var item = PollItem(page, "Best band?");

        await Expect(item.GetByRole(AriaRole.Columnheader, new() { Name = "On air" })).ToBeVisibleAsync();
        await Expect(item.GetByRole(AriaRole.Columnheader, new() { Name = "Live" })).ToBeVisibleAsync();
        await Expect(Cell(item, "south", "on-air").Locator(".poll-bar-count")).ToHaveTextAsync("1 vote");
        await Expect(Cell(item, "south", "live").Locator(".poll-bar-count")).ToHaveTextAsync("4 votes");
        await Expect(Cell(item, "north", "on-air").Locator(".poll-bar-percent")).ToHaveTextAsync("50%");
        await Expect(Cell(item, "north", "live").Locator(".poll-bar-percent")).ToHaveTextAsync("20%");
        await Expect(item.Locator(".on-air")).ToContainTextAsync("On air: frozen at 2 votes");
        await AssertNoSeriousViolationsAsync(page, "producer console, frozen poll");
        await ShootAsync(page, $"admin-console-frozen-{size}.png");

        await item.GetByRole(AriaRole.Button, new() { Name = "Release on-air results: Best band?" }).ClickAsync();
        await ConfirmAsync(page, "Release on-air results");

        await Expect(item.GetByRole(AriaRole.Columnheader, new() { Name = "On air" })).ToBeHiddenAsync();
        await Expect(Cell(item, "south", "live").Locator(".poll-bar-count")).ToHaveTextAsync("4 votes");
        Assert.False((await GetPollAsync(poll.Id)).ResultsFrozen);
        session.AssertNoErrors();
    }

    [Theory]
    [MemberData(nameof(Sizes), MemberType = typeof(ConsoleTestKit))]
    public async Task CloseConfirmation_NamesThePollAndTheConsequence_CancelIsFocusedAndChangesNothing(string size)
    {
        var poll = await CreatePollAsync("Who wins?", ("a", "A"), ("b", "B"));
        await OpenPollAsync(poll.Id);
        await using var session = await OpenPageAsync(SizeOf(size));
        var page = session.Page;
        var closeRequests = 0;
        page.Request += (_, request) =>
        {
            if (request.Url.EndsWith("/close", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref closeRequests);
            }
        };
        await SignInAsync(page);
        var close = PollItem(page, "Who wins?").GetByRole(AriaRole.Button, new() { Name = "Close voting: Who wins?" });

        await close.ClickAsync();

        var dialog = Dialog(page);
        await Expect(dialog).ToBeVisibleAsync();
        await Expect(dialog.GetByRole(AriaRole.Heading)).ToHaveTextAsync("Close voting on “Who wins?”?");
        await Expect(dialog).ToContainTextAsync("Closing “Who wins?” ends voting for everyone. It cannot be reopened.");
        await Expect(dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" })).ToBeFocusedAsync();
        await AssertNoSeriousViolationsAsync(page, "producer console, confirmation");
        await ShootAsync(page, $"admin-console-confirm-{size}.png");

        // Enter on the focused safe choice, then Escape on a second try: neither sends anything.
        await page.Keyboard.PressAsync("Enter");
        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(close).ToBeFocusedAsync();
        await close.ClickAsync();
        await Expect(dialog).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(dialog).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Button, new() { Name = "Refresh" }).ClickAsync();
        await Expect(PollItem(page, "Who wins?").Locator(".badge.is-open")).ToHaveTextAsync("Open");
        Assert.Equal(0, Volatile.Read(ref closeRequests));
        Assert.Equal("open", (await GetPollAsync(poll.Id)).Status);

        await close.ClickAsync();
        await ConfirmAsync(page, "Close voting");

        await Expect(PollItem(page, "Who wins?").Locator(".badge.is-closed")).ToHaveTextAsync("Closed");
        Assert.Equal("closed", (await GetPollAsync(poll.Id)).Status);
        session.AssertNoErrors();
    }

    [Fact]
    public async Task OpenAndFreeze_AskFirst_NamingThePoll()
    {
        var poll = await CreatePollAsync("Song of the night?", ("a", "A"), ("b", "B"));
        await using var session = await OpenPageAsync(BrowserPage.FullHd);
        var page = session.Page;
        await SignInAsync(page);
        var item = PollItem(page, "Song of the night?");

        await item.GetByRole(AriaRole.Button, new() { Name = "Open voting: Song of the night?" }).ClickAsync();
        await Expect(Dialog(page)).ToContainTextAsync("Opening “Song of the night?” lets everyone vote");
        Assert.Equal("draft", (await GetPollAsync(poll.Id)).Status);
        await ConfirmAsync(page, "Open voting");
        await Expect(item.Locator(".badge.is-open")).ToHaveTextAsync("Open");

        await item.GetByRole(AriaRole.Button, new() { Name = "Freeze on-air results: Song of the night?" }).ClickAsync();
        await Expect(Dialog(page)).ToContainTextAsync("The graphic of “Song of the night?” holds its figures");
        Assert.False((await GetPollAsync(poll.Id)).ResultsFrozen);
        await ConfirmAsync(page, "Freeze on-air results");
        await Expect(item.Locator(".badge.is-frozen")).ToHaveTextAsync("On air frozen");
        Assert.True((await GetPollAsync(poll.Id)).ResultsFrozen);
        session.AssertNoErrors();
    }

    [Fact]
    public async Task Figures_WithFleetFigures_AreTheFleetsLabelledAllServers_ElseThisServersLabelledSo()
    {
        var poll = await CreatePollAsync("Who wins?", ("a", "A"), ("b", "B"));
        await OpenPollAsync(poll.Id);
        await CastVoteAsync(poll.Id, "a");
        await using var session = await OpenPageAsync(BrowserPage.FullHd);
        var page = session.Page;
        JsonObject? fleet = null;
        // The server's own answer, with the fleet's sums (AdminStats.Fleet) put in or taken out by the test.
        await page.RouteAsync("**/v1/admin/stats", async route =>
        {
            var response = await route.FetchAsync();
            var stats = JsonNode.Parse(await response.TextAsync())!.AsObject();
            stats.Remove("fleet");
            if (Volatile.Read(ref fleet) is { } sums)
            {
                stats["fleet"] = sums.DeepClone();
            }

            await route.FulfillAsync(new() { Response = response, Body = stats.ToJsonString() });
        });
        await SignInAsync(page);

        await Expect(page.Locator("#figures-scope")).ToHaveTextAsync("Figures: this server");
        await Expect(page.Locator("#stat-total")).ToHaveTextAsync("1");

        Volatile.Write(ref fleet, new JsonObject
        {
            ["nodes"] = 3, ["nodesReporting"] = 2, ["votesPerSecond"] = 12.5, ["accepted"] = 4321,
            ["repeated"] = 17, ["throttled"] = 5, ["flagged"] = 2, ["asOf"] = DateTimeOffset.UtcNow.ToString("O"),
        });

        await Expect(page.Locator("#figures-scope")).ToHaveTextAsync("Figures: all 3 servers (2 reporting) · queue: this server");
        await Expect(page.Locator("#stat-total")).ToHaveTextAsync("4,321");
        await Expect(page.Locator("#stat-duplicates")).ToHaveTextAsync("17");
        await Expect(page.Locator("#stat-throttled")).ToHaveTextAsync("5");
        await Expect(page.Locator("#stat-flagged")).ToHaveTextAsync("2");
        await Expect(page.Locator("#stat-rate")).ToHaveTextAsync("12.5");
        await Expect(page.Locator("#votes-chart-caption")).ToContainTextAsync("on all 3 servers");
        await ShootAsync(page, "admin-console-fleet-1080p.png");
        session.AssertNoErrors();
    }

    [Fact]
    public async Task PanelUrls_OnTheCard_AreTheActionsAHardwarePanelCanPost()
    {
        var poll = await CreatePollAsync("Who wins?", ("a", "A"), ("b", "B"));
        await using var session = await OpenPageAsync(BrowserPage.FullHd);
        var page = session.Page;
        await SignInAsync(page);
        var item = PollItem(page, "Who wins?");

        await item.GetByText("Hardware panel URLs").ClickAsync();
        var open = item.GetByLabel("Open voting (POST)");
        await Expect(open).ToBeVisibleAsync();
        await Expect(item.GetByLabel("Freeze on-air results (POST)")).ToHaveValueAsync(new Uri(BaseAddress, $"/v1/polls/{poll.Id}/results/freeze").ToString());

        // What the panel does (docs/hardware-panels.md): a POST of that URL with the admin key header and Companion's body.
        using (var response = await Admin.PostAsync(new Uri(await open.InputValueAsync()), new StringContent("{}", System.Text.Encoding.UTF8, "application/json")))
        {
            response.EnsureSuccessStatusCode();
        }

        Assert.Equal("open", (await GetPollAsync(poll.Id)).Status);
        await AssertNoSeriousViolationsAsync(page, "producer console, panel URLs");
        session.AssertNoErrors();
    }
}
