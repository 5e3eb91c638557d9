using LiveVote.Browser.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LiveVote.Browser.Tests.Pages;

/// <summary>The producer desk's live figures (GET /v1/admin/stats about once a second), its votes-per-second chart and database line.</summary>
public sealed class AdminLiveFiguresTests(BrowserFixture browser) : PageTestBase(browser)
{
    [Fact]
    public async Task AdminPage_VotesCastThroughTheApi_ChangeTheLiveFiguresAndTheChartDrawsThem()
    {
        var poll = await CreatePollAsync("Who wins?", ("a", "A"), ("b", "B"));
        await OpenPollAsync(poll.Id);
        await using var session = await OpenPageAsync(BrowserPage.FullHd);
        var page = session.Page;
        await SignInAsync(page);
        await Expect(page.Locator("#stat-total")).ToHaveTextAsync("0");
        await Expect(page.Locator("#stat-queue")).ToContainTextAsync(" / ");

        // The database status line: this test's server runs the embedded SQLite store, which has no replicas to describe.
        var store = page.Locator("#store-state");
        await Expect(store).ToHaveTextAsync("Database: embedded (SQLite)");
        await Expect(store).ToHaveAttributeAsync("data-status", "embedded");
        await Expect(store).ToHaveAttributeAsync("role", "status");
        var chart = page.Locator("#votes-chart svg");
        await Expect(chart).ToHaveAttributeAsync("data-peak", "0");

        await CastVoteAsync(poll.Id, "a");
        await CastVoteAsync(poll.Id, "b");
        await CastVoteAsync(poll.Id, "b");

        await Expect(page.Locator("#stat-total")).ToHaveTextAsync("3");
        await Expect(page.Locator("#stat-rate")).Not.ToHaveTextAsync("0");
        await Expect(chart).Not.ToHaveAttributeAsync("data-peak", "0");
        var samples = int.Parse(await chart.GetAttributeAsync("data-samples") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(samples >= 2, $"only {samples} samples charted");
        Assert.Matches(@"^M[\d.]+,[\d.]+(L[\d.]+,[\d.]+)+$", await chart.Locator(".chart-line").GetAttributeAsync("d"));
        await Expect(page.Locator("#votes-chart-title")).ToContainTextAsync("Votes per second over the last 2 minutes");
        session.AssertNoErrors();
    }

    [Fact]
    public async Task AdminPage_HiddenTab_StopsAskingForStats_AndAsksAgainWhenShown()
    {
        await using var session = await OpenPageAsync(BrowserPage.FullHd);
        var page = session.Page;
        var asked = 0;
        page.Request += (_, request) =>
        {
            if (request.Url.EndsWith("/v1/admin/stats", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref asked);
            }
        };
        await SignInAsync(page);
        await Expect(page.Locator("#figures-state")).ToContainTextAsync("Updated");

        await page.EvaluateAsync("""
            () => {
              Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
              document.dispatchEvent(new Event('visibilitychange'));
            }
            """);
        await Expect(page.Locator("#figures-state")).ToHaveTextAsync("Paused while this tab is hidden");
        var whenHidden = Volatile.Read(ref asked);
        await Task.Delay(3000);
        Assert.Equal(whenHidden, Volatile.Read(ref asked));

        await page.EvaluateAsync("""
            () => {
              Object.defineProperty(document, 'hidden', { configurable: true, get: () => false });
              document.dispatchEvent(new Event('visibilitychange'));
            }
            """);
        await Expect(page.Locator("#figures-state")).ToContainTextAsync("Updated");
        Assert.True(Volatile.Read(ref asked) > whenHidden);
        session.AssertNoErrors();
    }
}
