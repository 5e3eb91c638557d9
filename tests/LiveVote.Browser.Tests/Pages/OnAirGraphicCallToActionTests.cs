using LiveVote.Browser.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LiveVote.Browser.Tests.Pages;

/// <summary>
/// The call to action names the broadcaster's public address (LiveVote:PublicBaseUrl) with its QR code, never the
/// address the OBS machine happened to load the graphic from.
/// </summary>
public sealed class OnAirGraphicCallToActionTests(BrowserFixture browser)
    : PageTestBase(browser, new() { ["LiveVote:PublicBaseUrl"] = PublicBaseUrl })
{
    private const string PublicBaseUrl = "https://vote.example.tv";

    [Fact]
    public async Task Graphic_CallToAction_ShowsThePublicVoteUrlAndItsQrCode_NotThePageHost()
    {
        var poll = await CreatePollAsync("Best snack for the match?", ("crisps", "Crisps"), ("popcorn", "Popcorn"));
        await OpenPollAsync(poll.Id);
        // Read as JSON rather than through PollDto, so this test compiles on branches where the contract lacks it.
        using var polled = System.Text.Json.JsonDocument.Parse(await Admin.GetStringAsync($"/v1/polls/{poll.Id}"));
        var voteUrl = polled.RootElement.TryGetProperty("voteUrl", out var url) ? url.GetString() : null;
        Assert.StartsWith(PublicBaseUrl + "/", voteUrl, StringComparison.Ordinal);
        await using var session = await OpenPageAsync(BrowserPage.FullHd);
        var page = session.Page;

        await page.GotoAsync($"/results/{poll.Id}");

        await Expect(page.Locator("#cta")).ToBeVisibleAsync();
        await Expect(page.Locator("#cta")).ToContainTextAsync("Vote at vote.example.tv/");
        await Expect(page.Locator("#vote-address")).ToHaveTextAsync(voteUrl!["https://".Length..]);
        Assert.DoesNotContain(BaseAddress.Authority, await page.Locator("body").InnerTextAsync(), StringComparison.Ordinal);
        await page.WaitForFunctionAsync("() => { const qr = document.getElementById('qr'); return qr.complete && qr.naturalWidth > 0; }");
        await Expect(page.Locator("#qr")).ToBeVisibleAsync();
        Assert.Equal($"/v1/polls/{poll.Id}/qr.svg", await page.Locator("#qr").EvaluateAsync<string>("e => new URL(e.src).pathname"));
        await AccessibilityCheck.AssertNoSeriousViolationsAsync(page, "on-air graphic, call to action");
        await page.ScreenshotAsync(new() { Path = Screenshots.FreshPathFor("results-cta-1080p.png") });

        // cta=0: the same graphic without the call to action.
        await page.GotoAsync($"/results/{poll.Id}?cta=0");
        await Expect(page.Locator("#total")).ToHaveTextAsync("0 votes");
        await Expect(page.Locator("#cta")).ToBeHiddenAsync();
        Assert.DoesNotContain("Vote at", await page.Locator("body").InnerTextAsync(), StringComparison.Ordinal);
        session.AssertNoErrors();
    }

    [Fact]
    public async Task Graphic_CallToAction_OnAPhone_FitsTheScreen()
    {
        var poll = await CreatePollAsync("Best snack for the match?", ("crisps", "Crisps"), ("popcorn", "Popcorn"));
        await OpenPollAsync(poll.Id);
        await using var session = await OpenPageAsync(BrowserPage.Phone);
        var page = session.Page;

        await page.GotoAsync($"/results/{poll.Id}");

        await Expect(page.Locator("#cta")).ToContainTextAsync("Vote at vote.example.tv/");
        await page.WaitForFunctionAsync("() => { const qr = document.getElementById('qr'); return qr.complete && qr.naturalWidth > 0; }");
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"),
            "the call to action should not widen the page on a phone");
        session.AssertNoErrors();
    }
}
