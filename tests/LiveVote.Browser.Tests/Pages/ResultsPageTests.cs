using LiveVote.Browser.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LiveVote.Browser.Tests.Pages;

public sealed class ResultsPageTests(BrowserFixture browser) : PageTestBase(browser)
{
    private async Task<string> OpenPollAsync()
    {
        var poll = await CreatePollAsync("Best decade for music?", ("80s", "The 80s"), ("90s", "The 90s"), ("00s", "The 2000s"));
        await OpenPollAsync(poll.Id);
        return poll.Id;
    }

    private static ILocator Bar(IPage page, string optionId, string part) => page.Locator($"#board [data-option-id='{optionId}'] .{part}");

    [Fact]
    public async Task ResultsPage_VotesCastThroughTheApi_UpdateTheBarsLive()
    {
        var pollId = await OpenPollAsync();
        await using var session = await OpenPageAsync(BrowserPage.FullHd);
        var page = session.Page;
        await page.GotoAsync($"/results/{pollId}");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Best decade for music?" })).ToBeVisibleAsync();
        await Expect(page.Locator("#total")).ToHaveTextAsync("0 votes");
        await Expect(page.Locator("#state")).ToHaveTextAsync("Live");

        await CastVoteAsync(pollId, "80s");
        await CastVoteAsync(pollId, "80s");
        await CastVoteAsync(pollId, "90s");

        await Expect(page.Locator("#total")).ToHaveTextAsync("3 votes");
        await Expect(Bar(page, "80s", "bar-count")).ToHaveTextAsync("2 votes");
        await Expect(Bar(page, "80s", "bar-percent")).ToHaveTextAsync("67%");
        await Expect(Bar(page, "90s", "bar-percent")).ToHaveTextAsync("33%");
        await Expect(Bar(page, "00s", "bar-percent")).ToHaveTextAsync("0%");
        // No LiveVote:PublicBaseUrl on this server: no call to action, never the address this browser happened to use.
        await Expect(page.Locator("#cta")).ToBeHiddenAsync();
        Assert.DoesNotContain(BaseAddress.Authority, await page.Locator("body").InnerTextAsync(), StringComparison.Ordinal);
        session.AssertNoErrors();
    }

    [Fact]
    public async Task ResultsPage_PollCloses_ShowsVotingClosedAndTheWinner()
    {
        var pollId = await OpenPollAsync();
        await CastVoteAsync(pollId, "90s");
        await CastVoteAsync(pollId, "90s");
        await CastVoteAsync(pollId, "00s");
        await using var session = await OpenPageAsync(BrowserPage.FullHd);
        var page = session.Page;
        await page.GotoAsync($"/results/{pollId}");
        await Expect(page.Locator("#total")).ToHaveTextAsync("3 votes");

        await ClosePollAsync(pollId);

        await Expect(page.Locator("#state")).ToHaveTextAsync("Voting closed · Final result");
        await Expect(page.Locator("#announcer")).ToHaveTextAsync("Voting closed. Winner: The 90s.");
        await Expect(page.Locator("#board [data-option-id='90s']")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bis-leading\b"));
        await Expect(page.Locator("#cta")).ToBeHiddenAsync();
        session.AssertNoErrors();
    }

    [Fact]
    public async Task ResultsPage_TransparentParameter_LeavesTheBackgroundTransparent()
    {
        var pollId = await OpenPollAsync();
        await using var session = await OpenPageAsync(BrowserPage.FullHd);
        var page = session.Page;

        await page.GotoAsync($"/results/{pollId}?transparent=1");
        await Expect(page.Locator("#total")).ToHaveTextAsync("0 votes");

        const string Transparent = "rgba(0, 0, 0, 0)";
        Assert.Equal(Transparent, await page.EvaluateAsync<string>("() => getComputedStyle(document.documentElement).backgroundColor"));
        Assert.Equal(Transparent, await page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor"));
        Assert.Equal("none", await page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundImage"));

        await page.GotoAsync($"/results/{pollId}");
        await Expect(page.Locator("#total")).ToHaveTextAsync("0 votes");
        Assert.NotEqual(Transparent, await page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor"));
        session.AssertNoErrors();
    }

    [Fact]
    public async Task ResultsPage_StreamEnds_ReconnectsByItselfAndShowsNewVotes()
    {
        var pollId = await OpenPollAsync();
        await using var session = await OpenPageAsync(BrowserPage.FullHd);
        var page = session.Page;
        var streams = 0;
        await page.RouteAsync("**/results/stream", async route =>
        {
            if (Interlocked.Increment(ref streams) == 1)
            {
                // A stream that ends at once, as when a proxy or the server drops the connection.
                await route.FulfillAsync(new RouteFulfillOptions { Status = 200, ContentType = "text/event-stream", Body = "retry: 200\n\n" });
                return;
            }

            await route.ContinueAsync();
        });

        await page.GotoAsync($"/results/{pollId}");
        await CastVoteAsync(pollId, "00s");

        await Expect(Bar(page, "00s", "bar-count")).ToHaveTextAsync("1 vote");
        await Expect(page.Locator("#total")).ToHaveTextAsync("1 vote");
        Assert.True(Volatile.Read(ref streams) >= 2, "The page should have opened the stream again.");
    }

    [Fact]
    public async Task ResultsPage_OlderSnapshotAfterANewerOne_IsIgnored()
    {
        var pollId = await OpenPollAsync();
        await using var session = await OpenPageAsync(BrowserPage.FullHd);
        var page = session.Page;
        var reconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var streams = 0;
        await page.RouteAsync("**/results/stream", async route =>
        {
            if (Interlocked.Increment(ref streams) == 1)
            {
                var newer = $$"""{"pollId":"{{pollId}}","status":"open","totals":{"80s":5,"90s":0,"00s":0},"total":5,"version":1000,"asOf":"2030-01-01T00:00:00Z"}""";
                var older = $$"""{"pollId":"{{pollId}}","status":"open","totals":{"80s":1,"90s":1,"00s":0},"total":2,"version":999,"asOf":"2030-01-01T00:00:00Z"}""";
                await route.FulfillAsync(new RouteFulfillOptions
                {
                    Status = 200,
                    ContentType = "text/event-stream",
                    Body = $"retry: 100\n\nevent: results\ndata: {newer}\n\nevent: results\ndata: {older}\n\n",
                });
                return;
            }

            // The reconnect proves every event of the first stream has been handled.
            reconnected.TrySetResult();
            await route.FulfillAsync(new RouteFulfillOptions { Status = 200, ContentType = "text/event-stream", Body = "retry: 60000\n\n" });
        });

        await page.GotoAsync($"/results/{pollId}");
        await reconnected.Task.WaitAsync(TimeSpan.FromSeconds(30));

        await Expect(Bar(page, "80s", "bar-count")).ToHaveTextAsync("5 votes");
        await Expect(Bar(page, "90s", "bar-count")).ToHaveTextAsync("0 votes");
        await Expect(page.Locator("#total")).ToHaveTextAsync("5 votes");
    }

    [Fact]
    public async Task ResultsPage_UnknownPoll_RendersNothingAndKeepsWaiting()
    {
        await using var session = await OpenPageAsync(BrowserPage.FullHd);
        var page = session.Page;
        var waiting = page.WaitForConsoleMessageAsync(new() { Predicate = m => m.Text.Contains("waiting for it", StringComparison.Ordinal) });

        await page.GotoAsync("/results/p-notyet");
        await waiting;

        // Nothing on air: no text at all, and a transparent page the vision mixer keys away.
        Assert.Equal("", (await page.Locator("body").InnerTextAsync()).Trim());
        Assert.Equal("rgba(0, 0, 0, 0)", await page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor"));
        Assert.Equal("none", await page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundImage"));
        Assert.Equal("rgba(0, 0, 0, 0)", await page.EvaluateAsync<string>("() => getComputedStyle(document.documentElement).backgroundColor"));

        // The browser itself logs the 404 of the poll's address; the page adds no error of its own.
        Assert.All(session.Errors, e => Assert.Contains("404", e, StringComparison.Ordinal));
    }
}
