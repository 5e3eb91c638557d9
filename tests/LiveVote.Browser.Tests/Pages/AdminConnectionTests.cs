using LiveVote.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using static LiveVote.Browser.Tests.Infrastructure.AccessibilityCheck;
using static LiveVote.Browser.Tests.Pages.ConsoleTestKit;

namespace LiveVote.Browser.Tests.Pages;

/// <summary>
/// The console that loses the server says so and cannot be misread: a banner, every figure marked stale with its age,
/// the actions paused; all of it clears by itself when the server answers again.
/// </summary>
public sealed class AdminConnectionTests(BrowserFixture browser) : PageTestBase(browser)
{
    private const string Lost = "Connection to the server lost — figures are stale; actions are paused. Retrying…";

    [Theory]
    [MemberData(nameof(Sizes), MemberType = typeof(ConsoleTestKit))]
    public async Task ConsoleOffline_ShowsTheBannerStaleMarksAndPausedActions_ThenRecoversByItself(string size)
    {
        var poll = await CreatePollAsync("Who wins?", ("north", "North"), ("south", "South"));
        await OpenPollAsync(poll.Id);
        await CastVoteAsync(poll.Id, "north");
        await using var session = await OpenPageAsync(SizeOf(size));
        var page = session.Page;
        await SignInAsync(page);
        var item = PollItem(page, "Who wins?");
        var close = item.GetByRole(AriaRole.Button, new() { Name = "Close voting: Who wins?" });
        var live = item.Locator("tr[data-option-id='north'] td[data-series='live'] .poll-bar-count");
        await Expect(live).ToHaveTextAsync("1 vote");
        await Expect(page.Locator("#stat-total")).ToHaveTextAsync("1");
        var banner = page.Locator("#connection-banner");
        await Expect(banner).ToBeHiddenAsync();

        // Every API call from the page now fails as if the network were gone.
        await page.RouteAsync("**/v1/**", route => route.AbortAsync());

        await Expect(banner).ToHaveTextAsync(Lost);
        await Expect(banner).ToHaveAttributeAsync("role", "alert");
        await Expect(page.Locator("#stat-total + .stale-mark")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^stale, \d+ s$"));
        await Expect(item.Locator(".poll-figures > .stale-mark")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^stale, \d+ s$"));
        // The age goes on counting.
        await Expect(item.Locator(".poll-figures > .stale-mark")).Not.ToHaveTextAsync(await item.Locator(".poll-figures > .stale-mark").TextContentAsync() ?? "");
        await Expect(close).ToBeDisabledAsync();
        await Expect(item.GetByRole(AriaRole.Button, new() { Name = "Freeze on-air results: Who wins?" })).ToBeDisabledAsync();
        await Expect(item.GetByLabel("Viewers see the results after voting")).ToBeDisabledAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Create poll" })).ToBeDisabledAsync();
        // A reload of the list asked for while offline adds no notice of its own (the banner says it all).
        await page.GetByRole(AriaRole.Button, new() { Name = "Refresh" }).ClickAsync();
        await AssertNoSeriousViolationsAsync(page, "producer console, offline");
        await ShootAsync(page, $"admin-console-offline-{size}.png");

        await CastVoteAsync(poll.Id, "north");
        await page.UnrouteAsync("**/v1/**");

        await Expect(banner).ToBeHiddenAsync();
        await Expect(page.Locator(".stale-mark")).ToHaveCountAsync(0);
        await Expect(live).ToHaveTextAsync("2 votes");
        await Expect(page.Locator("#stat-total")).ToHaveTextAsync("2");
        await Expect(close).ToBeEnabledAsync();
        await Expect(item.GetByLabel("Viewers see the results after voting")).ToBeEnabledAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Create poll" })).ToBeEnabledAsync();
        await Expect(page.Locator("#notice")).Not.ToContainTextAsync("could not");
        Assert.Empty(ErrorsBesidesCutRequests(session));
    }

    [Fact]
    public async Task ServerErrors_CountAsALostConnection_AndTheFailedActionsNoticeClearsOnRecovery()
    {
        var poll = await CreatePollAsync("Who wins?", ("a", "A"), ("b", "B"));
        await OpenPollAsync(poll.Id);
        await using var session = await OpenPageAsync(BrowserPage.FullHd);
        var page = session.Page;
        await SignInAsync(page);
        var item = PollItem(page, "Who wins?");
        await Expect(item.Locator(".live-total")).ToHaveTextAsync("0 votes");

        // The freeze meets a 502 (a proxy with no server behind it), and from then on every call a 503, until the test
        // lets them through again (the route added last is asked first).
        var serverDown = 0;
        await page.RouteAsync("**/v1/**", async route =>
        {
            if (Volatile.Read(ref serverDown) == 1)
            {
                await route.FulfillAsync(new() { Status = 503, ContentType = "text/plain", Body = "Unavailable" });
            }
            else
            {
                await route.ContinueAsync();
            }
        });
        await page.RouteAsync("**/results/freeze", async route =>
        {
            Volatile.Write(ref serverDown, 1);
            await route.FulfillAsync(new() { Status = 502, ContentType = "text/plain", Body = "Bad gateway" });
        });
        var freeze = item.GetByRole(AriaRole.Button, new() { Name = "Freeze on-air results: Who wins?" });
        await freeze.ClickAsync();
        await ConfirmAsync(page, "Freeze on-air results");

        await Expect(page.Locator("#connection-banner")).ToHaveTextAsync(Lost);
        await Expect(page.Locator("#notice")).ToContainTextAsync("The on-air results were not frozen.");
        await Expect(freeze).ToBeDisabledAsync();
        Assert.False((await GetPollAsync(poll.Id)).ResultsFrozen);

        // The server answers again: the banner and that notice go, the button comes back, with nothing pressed.
        Volatile.Write(ref serverDown, 0);
        await Expect(page.Locator("#connection-banner")).ToBeHiddenAsync();
        await Expect(page.Locator("#notice")).Not.ToContainTextAsync("The on-air results were not frozen.");
        await Expect(freeze).ToBeEnabledAsync();
        Assert.Empty(ErrorsBesidesCutRequests(session));
    }
}
