using System.Text.RegularExpressions;
using LiveVote.Browser.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LiveVote.Browser.Tests.Pages;

/// <summary>
/// The on-air graphic as a show needs it (issue 18): nothing technical on air (no poll, no snapshot, no connection),
/// percentages that add up and ties shown as ties, results hidden until the reveal, themes from the URL, the preview.
/// </summary>
public sealed partial class OnAirGraphicTests(BrowserFixture browser) : PageTestBase(browser)
{
    private const string Transparent = "rgba(0, 0, 0, 0)";

    [GeneratedRegex(@"\d")]
    private static partial Regex AnyDigit();

    private async Task<string> OpenSnackPollAsync()
    {
        var poll = await CreatePollAsync("Best snack for the match?", ("crisps", "Crisps"), ("popcorn", "Popcorn"), ("nachos", "Nachos"));
        await OpenPollAsync(poll.Id);
        return poll.Id;
    }

    private static Task<string> TextOnScreenAsync(IPage page) => page.Locator("body").InnerTextAsync();

    private static Task<IConsoleMessage> ConsoleSaysAsync(IPage page, string words) =>
        page.WaitForConsoleMessageAsync(new() { Predicate = m => m.Text.Contains(words, StringComparison.Ordinal), Timeout = 90_000 });

    private static async Task<string[]> PercentsAsync(IPage page) =>
        await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('#board .bar-percent')].map(e => e.textContent)");

    private static async Task<LocatorBoundingBoxResult> BoxAsync(IPage page, string selector) =>
        (await page.Locator(selector).BoundingBoxAsync())!;

    [Fact]
    public async Task Graphic_ServerStops_HoldsTheLastFrameWithoutAWord()
    {
        var pollId = await OpenSnackPollAsync();
        await CastVoteAsync(pollId, "crisps");
        await CastVoteAsync(pollId, "popcorn");
        await using var session = await OpenPageAsync(BrowserPage.FullHd);
        var page = session.Page;
        await page.GotoAsync($"/results/{pollId}");
        await Expect(page.Locator("#total")).ToHaveTextAsync("2 votes");
        var onAir = await TextOnScreenAsync(page);

        var interrupted = ConsoleSaysAsync(page, "results stream interrupted");
        await Server.DisposeAsync();
        await interrupted;

        // The stream keeps trying by itself; a failed attempt later the frame is still exactly the last one.
        await ConsoleSaysAsync(page, "results stream interrupted");
        Assert.Equal(onAir, await TextOnScreenAsync(page));
        Assert.DoesNotMatch(new Regex("reconnect|error|offline|connecting", RegexOptions.IgnoreCase), onAir);
        await Expect(page.Locator("#total")).ToHaveTextAsync("2 votes");

        // Only the browser's own network log speaks of the lost server; the page raises nothing.
        Assert.DoesNotContain(session.Errors, e => e.StartsWith("page error", StringComparison.Ordinal));
        Assert.All(session.Errors, e => Assert.Matches("net::ERR_|Failed to load resource", e));
    }

    [Fact]
    public async Task Graphic_DraftPoll_RendersNothingUntilItOpens()
    {
        var poll = await CreatePollAsync("Best snack for the match?", ("crisps", "Crisps"), ("popcorn", "Popcorn"));
        await using var session = await OpenPageAsync(BrowserPage.FullHd);
        var page = session.Page;
        var waiting = ConsoleSaysAsync(page, "waiting for it");

        await page.GotoAsync($"/results/{poll.Id}");
        await waiting;

        Assert.Equal("", (await TextOnScreenAsync(page)).Trim());
        Assert.Equal(Transparent, await page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor"));
        Assert.Equal("none", await page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundImage"));
        Assert.Equal(Transparent, await page.EvaluateAsync<string>("() => getComputedStyle(document.documentElement).backgroundColor"));

        // Set up before the show, the overlay comes on by itself when the producer opens the poll.
        await OpenPollAsync(poll.Id);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Best snack for the match?" })).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(page.Locator("#total")).ToHaveTextAsync("0 votes");
        Assert.All(session.Errors, e => Assert.Contains("404", e, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Graphic_BeforeTheFirstSnapshot_ShowsTheQuestionAndNoFigure()
    {
        var pollId = await OpenSnackPollAsync();
        await CastVoteAsync(pollId, "nachos");
        await using var session = await OpenPageAsync(BrowserPage.FullHd);
        var page = session.Page;
        var streamAsked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync("**/results/stream", async route =>
        {
            // A stream that delivers nothing yet (a slow proxy, a node still starting).
            await route.FulfillAsync(new RouteFulfillOptions { Status = 200, ContentType = "text/event-stream", Body = "retry: 60000\n\n" });
            streamAsked.TrySetResult();
        });

        await page.GotoAsync($"/results/{pollId}");
        await streamAsked.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Best snack for the match?" })).ToBeVisibleAsync();

        Assert.Equal("Best snack for the match?", (await TextOnScreenAsync(page)).Trim());
        Assert.DoesNotMatch(AnyDigit(), await TextOnScreenAsync(page));
        await Expect(page.Locator("#total")).ToBeHiddenAsync();
        session.AssertNoErrors();
    }

    [Fact]
    public async Task Graphic_Percentages_AddUpTo100_AndATieIsShownAsATie()
    {
        var pollId = await OpenSnackPollAsync();
        await CastVoteAsync(pollId, "crisps");
        await CastVoteAsync(pollId, "popcorn");
        await CastVoteAsync(pollId, "nachos");
        await using var session = await OpenPageAsync(BrowserPage.FullHd);
        var page = session.Page;
        await page.GotoAsync($"/results/{pollId}");
        await Expect(page.Locator("#total")).ToHaveTextAsync("3 votes");

        var percents = await PercentsAsync(page);
        Assert.Equal(new[] { "33%", "33%", "34%" }, percents.Order().ToArray());
        // One vote each is a three-way tie, whatever the rounding gave the last point to.
        await Expect(page.Locator("#board .bar-badge:visible")).ToHaveCountAsync(3);
        await Expect(page.Locator("#board .bar-badge").First).ToHaveTextAsync("Tie");

        await CastVoteAsync(pollId, "crisps");
        await CastVoteAsync(pollId, "popcorn");
        await Expect(page.Locator("#total")).ToHaveTextAsync("5 votes");

        Assert.Equal(new[] { "40%", "40%", "20%" }, await PercentsAsync(page));
        foreach (var leader in new[] { "crisps", "popcorn" })
        {
            await Expect(page.Locator($"#board [data-option-id='{leader}'] .bar-badge")).ToHaveTextAsync("Tie");
            await Expect(page.Locator($"#board [data-option-id='{leader}']")).ToHaveClassAsync(new Regex(@"\bis-leading\b"));
        }

        await Expect(page.Locator("#board [data-option-id='nachos'] .bar-badge")).ToBeHiddenAsync();
        await Expect(page.Locator("#board [data-option-id='nachos']")).Not.ToHaveClassAsync(new Regex(@"\bis-leading\b"));
        await Expect(page.Locator("#preview-mark")).ToBeHiddenAsync();

        // Closed on a tie: still a tie, no winner.
        await ClosePollAsync(pollId);
        await Expect(page.Locator("#state")).ToHaveTextAsync("Voting closed · Final result");
        await Expect(page.Locator("#announcer")).ToHaveTextAsync("Voting closed. Tie between Crisps and Popcorn.");
        Assert.DoesNotContain("Winner", await TextOnScreenAsync(page), StringComparison.OrdinalIgnoreCase);
        await Expect(page.Locator("#board [data-option-id='crisps'] .bar-badge")).ToHaveTextAsync("Tie");
        await AccessibilityCheck.AssertNoSeriousViolationsAsync(page, "on-air graphic, tie");
        session.AssertNoErrors();
    }

    [Fact]
    public async Task Graphic_ResultsHidden_ShowQuestionAndAnswersOnly_UntilTheReveal()
    {
        var pollId = await OpenSnackPollAsync();
        await using var session = await OpenPageAsync(BrowserPage.Phone);
        var page = session.Page;
        var revealed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var streams = 0;
        await page.RouteAsync("**/results/stream", async route =>
        {
            // The public stream while hidden carries zeros and hidden: true (the server never sends the counts).
            if (Interlocked.Increment(ref streams) == 1)
            {
                var hidden = $$"""{"pollId":"{{pollId}}","status":"open","totals":{"crisps":0,"popcorn":0,"nachos":0},"total":0,"version":10,"asOf":"2030-01-01T00:00:00Z","hidden":true}""";
                await route.FulfillAsync(new RouteFulfillOptions
                {
                    Status = 200, ContentType = "text/event-stream", Body = $"retry: 100\n\nevent: results\ndata: {hidden}\n\n",
                });
                return;
            }

            await revealed.Task;
            var shown = $$"""{"pollId":"{{pollId}}","status":"open","totals":{"crisps":3,"popcorn":1,"nachos":0},"total":4,"version":11,"asOf":"2030-01-01T00:00:01Z","hidden":false}""";
            await route.FulfillAsync(new RouteFulfillOptions
            {
                Status = 200, ContentType = "text/event-stream", Body = $"retry: 60000\n\nevent: results\ndata: {shown}\n\n",
            });
        });

        await page.GotoAsync($"/results/{pollId}");
        await Expect(page.Locator("#state")).ToHaveTextAsync("Live");
        await Expect(page.Locator("#board [data-option-id='nachos'] .bar-name")).ToBeVisibleAsync();
        var onAir = await TextOnScreenAsync(page);
        Assert.Contains("Best snack for the match?", onAir, StringComparison.Ordinal);
        Assert.Contains("Popcorn", onAir, StringComparison.Ordinal);
        Assert.DoesNotMatch(AnyDigit(), onAir);
        await Expect(page.Locator("#board .bar-track").First).ToBeHiddenAsync();
        await AccessibilityCheck.AssertNoSeriousViolationsAsync(page, "on-air graphic, results hidden");

        revealed.SetResult();

        await Expect(page.Locator("#board [data-option-id='crisps'] .bar-count")).ToHaveTextAsync("3 votes");
        await Expect(page.Locator("#board [data-option-id='crisps'] .bar-percent")).ToBeVisibleAsync();
        await Expect(page.Locator("#board [data-option-id='crisps'] .bar-percent")).ToHaveTextAsync("75%");
        await Expect(page.Locator("#board .bar-track").First).ToBeVisibleAsync();
        await Expect(page.Locator("#total")).ToHaveTextAsync("4 votes");
        session.AssertNoErrors();
    }

    [Fact]
    public async Task Graphic_LayoutAccentFontSafeAreaAndLogo_FromTheUrl_BadValuesIgnored()
    {
        var pollId = await OpenSnackPollAsync();
        await CastVoteAsync(pollId, "crisps");
        await using var session = await OpenPageAsync(BrowserPage.FullHd);
        var page = session.Page;

        await page.GotoAsync($"/results/{pollId}");
        await Expect(page.Locator("#total")).ToHaveTextAsync("1 vote");
        var full = await BoxAsync(page, "#main");
        Assert.True(full.Y < 100, $"the full-screen graphic starts at the top, not at {full.Y}");
        const string DefaultAccent = "rgb(255, 210, 63)";
        Assert.Equal(DefaultAccent, await page.Locator(".broadcast-state").EvaluateAsync<string>("e => getComputedStyle(e).color"));

        await page.GotoAsync($"/results/{pollId}?layout=lower-third&accent=%23ff0066&font=serif&logo=/favicon.svg");
        await Expect(page.Locator("#total")).ToHaveTextAsync("1 vote");
        var lowerThird = await BoxAsync(page, "#main");
        Assert.True(lowerThird.Y > 1080 / 2, $"a lower third sits in the bottom half, not at {lowerThird.Y}");
        Assert.True(lowerThird.Y + lowerThird.Height > 1080 * 0.9, "a lower third reaches down to the safe area");
        Assert.Equal("rgb(255, 0, 102)", await page.Locator(".broadcast-state").EvaluateAsync<string>("e => getComputedStyle(e).color"));
        Assert.Contains("Georgia", await page.Locator("#title").EvaluateAsync<string>("e => getComputedStyle(e).fontFamily"), StringComparison.Ordinal);
        Assert.Equal(Transparent, await page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor"));
        await Expect(page.Locator("#logo")).ToBeVisibleAsync();
        await page.WaitForFunctionAsync("() => document.getElementById('logo').complete && document.getElementById('logo').naturalWidth > 0");
        await AccessibilityCheck.AssertNoSeriousViolationsAsync(page, "on-air graphic, lower third");
        await page.ScreenshotAsync(new() { Path = Screenshots.FreshPathFor("results-lower-third-1080p.png"), OmitBackground = true });

        await page.GotoAsync($"/results/{pollId}?layout=side&theme=light&safe=5");
        await Expect(page.Locator("#total")).ToHaveTextAsync("1 vote");
        var side = await BoxAsync(page, "#main");
        Assert.True(side.X > 1920 / 2, $"a side panel sits on the right, not at {side.X}");
        Assert.Equal(1920 - 96, side.X + side.Width, 1.0);
        Assert.Equal(1080 * 0.05, side.Y, 1.0);
        await AccessibilityCheck.AssertNoSeriousViolationsAsync(page, "on-air graphic, side panel, light");
        await page.ScreenshotAsync(new() { Path = Screenshots.FreshPathFor("results-side-light-1080p.png"), OmitBackground = true });

        // Nothing the page does not understand changes it: the full-screen default, the default accent, no logo.
        await page.GotoAsync($"/results/{pollId}?layout=sideways&theme=neon&accent=red;}}&font=Comic%20Sans&safe=99&logo=https://example.com/logo.png&cta=maybe");
        await Expect(page.Locator("#total")).ToHaveTextAsync("1 vote");
        var ignored = await BoxAsync(page, "#main");
        Assert.Equal(full.Y, ignored.Y, 1.0);
        Assert.Equal(full.Height, ignored.Height, 1.0);
        Assert.Equal(DefaultAccent, await page.Locator(".broadcast-state").EvaluateAsync<string>("e => getComputedStyle(e).color"));
        await Expect(page.Locator("#logo")).ToBeHiddenAsync();
        Assert.NotEqual(Transparent, await page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor"));
        session.AssertNoErrors();
    }

    [Fact]
    public async Task Graphic_Preview_RendersADraftMarkedPreview_OnlyWithTheAdminSession()
    {
        var draft = await CreatePollAsync("Best snack for the match?", ("crisps", "Crisps"), ("popcorn", "Popcorn"));
        await using var session = await OpenPageAsync(BrowserPage.FullHd);
        var page = session.Page;

        // Without the console's session, ?preview=1 is the public graphic: a draft puts nothing on air.
        var refused = ConsoleSaysAsync(page, "preview needs the console's admin session");
        var waiting = ConsoleSaysAsync(page, "waiting for it");
        await page.GotoAsync($"/results/{draft.Id}?preview=1");
        await refused;
        await waiting;
        Assert.Equal("", (await TextOnScreenAsync(page)).Trim());

        await SignInAsync(page);
        await Expect(page.GetByLabel("Question")).ToBeVisibleAsync();
        await page.GotoAsync($"/results/{draft.Id}?preview=1");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Best snack for the match?" })).ToBeVisibleAsync();
        await Expect(page.Locator("#preview-mark")).ToBeVisibleAsync();
        await Expect(page.Locator("#preview-mark")).ToHaveTextAsync("PREVIEW");
        await Expect(page.Locator("#total")).ToHaveTextAsync("0 votes");
        await AccessibilityCheck.AssertNoSeriousViolationsAsync(page, "on-air graphic, preview");
        await page.ScreenshotAsync(new() { Path = Screenshots.FreshPathFor("results-preview-1080p.png") });

        // The same tab without ?preview=1 is what goes on air: the draft stays invisible.
        var onAirWaiting = ConsoleSaysAsync(page, "waiting for it");
        await page.GotoAsync($"/results/{draft.Id}");
        await onAirWaiting;
        Assert.Equal("", (await TextOnScreenAsync(page)).Trim());
        Assert.All(session.Errors, e => Assert.Matches("401|404", e));
    }
}
