using LiveVote.Browser.Tests.Infrastructure;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Playwright;
using static LiveVote.Browser.Tests.Infrastructure.AccessibilityCheck;

namespace LiveVote.Browser.Tests.Pages;

/// <summary>
/// The vote and home pages in the viewer's language: chosen from the browser's languages (the context's Locale), changed
/// with the switcher and remembered, numbers and dates in the viewer's locale, and right to left for Arabic.
/// </summary>
public sealed class VotePageLocalisationTests(BrowserFixture browser) : PageTestBase(browser)
{
    public static TheoryData<string> Sizes() => ["phone", "1080p"];

    private static ViewportSize SizeOf(string name) => name == "phone" ? BrowserPage.Phone : BrowserPage.FullHd;

    private Task<BrowserPage> OpenPageAsync(string locale, ViewportSize? viewport = null) =>
        BrowserPage.OpenAsync(Browser, BaseAddress, viewport, locale);

    private async Task<string> OpenPollAsync(bool showResultsToViewers = true)
    {
        var poll = await CreatePollAsync("Melhor banda da noite?", showResultsToViewers, ("sim", "Sim"), ("nao", "Não"));
        await OpenPollAsync(poll.Id);
        return poll.Id;
    }

    /// <summary>The results stream answers with one snapshot of the given totals (a large count needs no real votes).</summary>
    private static Task FakeResultsAsync(IPage page, string pollId, long yes, long no) =>
        page.RouteAsync("**/results/stream", route => route.FulfillAsync(new RouteFulfillOptions
        {
            Status = 200,
            ContentType = "text/event-stream",
            Body = $"retry: 60000\nevent: results\ndata: {{\"pollId\":\"{pollId}\",\"status\":\"open\",\"totals\":{{\"sim\":{yes},\"nao\":{no}}},"
                + $"\"total\":{yes + no},\"version\":1,\"asOf\":\"2026-12-05T20:00:00Z\",\"frozen\":false,\"final\":false}}\n\n",
        }));

    private static ILocator Html(IPage page) => page.Locator("html");

    /// <summary>Longer words (Portuguese, Spanish) and the header's language menu still fit a phone's width.</summary>
    private static async Task AssertNoSidewaysScrollAsync(IPage page, string what)
    {
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        Assert.True(widths[0] <= widths[1], $"{what}: the page is {widths[0]} px wide in a {widths[1]} px window");
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task PortugueseBrowser_VotePage_SpeaksPortuguese_AndWritesNumbersTheBrazilianWay(string size)
    {
        var pollId = await OpenPollAsync();
        await using var session = await OpenPageAsync("pt-BR", SizeOf(size));
        var page = session.Page;
        await FakeResultsAsync(page, pollId, 1234, 56);

        await page.GotoAsync($"/vote/{pollId}");

        await Expect(Html(page)).ToHaveAttributeAsync("lang", "pt-BR");
        await Expect(Html(page)).ToHaveAttributeAsync("dir", "ltr");
        await Expect(page.Locator("#eyebrow")).ToHaveTextAsync("Votação ao vivo");
        await Expect(page.Locator("#confirm-vote")).ToHaveTextAsync("Escolha uma resposta primeiro");
        await Expect(page.GetByLabel("Idioma")).ToHaveValueAsync("pt-BR");
        await AssertNoSeriousViolationsAsync(page, $"vote page in Portuguese ({size})");
        await AssertNoSidewaysScrollAsync(page, $"vote page in Portuguese ({size})");

        await Ballot.Choice(page, "Sim").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirmar meu voto em Sim" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Seu voto foi registrado" })).ToBeVisibleAsync();
        await Expect(page.Locator("#receipt-safe")).ToHaveTextAsync("Seu voto está garantido: o LiveVote já o contou.");
        await Expect(page.Locator("#receipt-choice-line")).ToHaveTextAsync("Você escolheu Sim.");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Conferir seu comprovante" })).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("^/verify\\?"));
        await Expect(page.Locator("#board [data-option-id='sim'] .bar-count")).ToHaveTextAsync("1.234 votos");
        await Expect(page.Locator("#live-total")).ToHaveTextAsync("1.290 votos");
        await AssertNoSeriousViolationsAsync(page, $"vote page in Portuguese, receipt ({size})");
        Assert.Equal(1, (await Api.ResultsWhenAsync(Public, pollId, r => r.Total >= 1)).Totals["sim"]);
        session.AssertNoErrors();
    }

    [Fact]
    public async Task SpanishBrowser_HomeAndVotePages_SpeakSpanish_WithDatesInTheViewersLocale()
    {
        var pollId = await OpenPollAsync();
        var opened = (await GetPollAsync(pollId)).OpenedAt!.Value;
        await using var session = await OpenPageAsync("es-ES");
        var page = session.Page;

        await page.GotoAsync("/");

        await Expect(Html(page)).ToHaveAttributeAsync("lang", "es");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Encuestas en directo", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Escribe el código que ves en tu pantalla")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Votar: Melhor banda da noite?" })).ToHaveAttributeAsync("href", $"/vote/{pollId}");
        var expectedDate = await page.EvaluateAsync<string>(
            "iso => new Intl.DateTimeFormat('es-ES', { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso))", opened.ToString("O"));
        await Expect(page.Locator(".poll-card .meta")).ToHaveTextAsync($"Abierta el {expectedDate}");
        await AssertNoSeriousViolationsAsync(page, "home page in Spanish");
        await AssertNoSidewaysScrollAsync(page, "home page in Spanish");

        await page.GotoAsync($"/vote/{pollId}");
        await Expect(page.Locator(".lead")).ToHaveTextAsync("Elige tu respuesta y después confírmala: un voto por persona.");
        await Ballot.Choice(page, "Não").CheckAsync();
        await Expect(page.Locator("#confirm-vote")).ToHaveTextAsync("Confirmar mi voto por Não");
        await AssertNoSeriousViolationsAsync(page, "vote page in Spanish");
        session.AssertNoErrors();
    }

    [Fact]
    public async Task SpanishNumbers_UseTheSpanishGrouping()
    {
        var pollId = await OpenPollAsync();
        await using var session = await OpenPageAsync("es-ES");
        var page = session.Page;
        await FakeResultsAsync(page, pollId, 12345, 1);
        await page.GotoAsync($"/vote/{pollId}");

        await Ballot.Choice(page, "Não").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirmar mi voto por Não" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Tu voto ha quedado registrado" })).ToBeVisibleAsync();
        await Expect(page.Locator("#board [data-option-id='sim'] .bar-count")).ToHaveTextAsync("12.345 votos");
        await Expect(page.Locator("#board [data-option-id='nao'] .bar-count")).ToHaveTextAsync("1 voto");
        session.AssertNoErrors();
    }

    [Fact]
    public async Task LanguageSwitcher_ChangesTheLanguage_AndRemembersIt()
    {
        var pollId = await OpenPollAsync();
        await using var session = await OpenPageAsync("en-GB");
        var page = session.Page;
        await page.GotoAsync("/");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Live polls", Level = 1 })).ToBeVisibleAsync();

        await page.GetByLabel("Language").SelectOptionAsync("es");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Encuestas en directo", Level = 1 })).ToBeVisibleAsync();
        await Expect(Html(page)).ToHaveAttributeAsync("lang", "es");
        await Expect(page.GetByLabel("Idioma")).ToHaveValueAsync("es");

        // Remembered: another page, and a new tab of the same browser, open in Spanish.
        await page.GotoAsync($"/vote/{pollId}");
        await Expect(page.Locator("#confirm-vote")).ToHaveTextAsync("Primero elige una respuesta");
        var tab = await session.Context.NewPageAsync();
        await tab.GotoAsync("/");
        await Expect(tab.GetByRole(AriaRole.Heading, new() { Name = "Encuestas en directo", Level = 1 })).ToBeVisibleAsync();

        // And back: the switcher speaks each language in its own name.
        await page.GetByLabel("Idioma").SelectOptionAsync(new SelectOptionValue { Label = "English" });
        await Expect(page.Locator("#confirm-vote")).ToHaveTextAsync("Choose an answer first");
        session.AssertNoErrors();
    }

    [Fact]
    public async Task UnshippedBrowserLanguage_FallsBackToEnglish()
    {
        var pollId = await OpenPollAsync();
        await using var session = await OpenPageAsync("de-DE");
        var page = session.Page;

        await page.GotoAsync($"/vote/{pollId}");

        await Expect(page.Locator("#confirm-vote")).ToHaveTextAsync("Choose an answer first");
        await Expect(Html(page)).ToHaveAttributeAsync("lang", "en");
        session.AssertNoErrors();
    }

    [Fact]
    public async Task ArabicBrowser_PageIsRightToLeft_AndTheLayoutMirrors()
    {
        var pollId = await OpenPollAsync();

        // English first, for the left-to-right positions to compare with.
        var english = await LayoutAsync("en-GB", pollId, screenshot: null);
        var arabic = await LayoutAsync("ar", pollId, screenshot: "vote-rtl-phone.png");

        Assert.True(english.RadioX < english.LabelX, "left to right: the radio before (left of) its answer");
        Assert.True(arabic.RadioX > arabic.LabelX, "right to left: the radio before (right of) its answer");
        Assert.True(english.BrandX < english.SwitcherX, "left to right: the brand on the left of the header");
        Assert.True(arabic.BrandX > arabic.SwitcherX, "right to left: the brand on the right of the header");
    }

    private sealed record Layout(float RadioX, float LabelX, float BrandX, float SwitcherX);

    private async Task<Layout> LayoutAsync(string locale, string pollId, string? screenshot)
    {
        await using var session = await OpenPageAsync(locale, BrowserPage.Phone);
        var page = session.Page;
        await page.GotoAsync($"/vote/{pollId}");
        await Expect(Ballot.Choice(page, "Sim")).ToBeVisibleAsync();
        var rtl = locale == "ar";
        await Expect(Html(page)).ToHaveAttributeAsync("dir", rtl ? "rtl" : "ltr");
        if (rtl)
        {
            await Expect(Html(page)).ToHaveAttributeAsync("lang", "ar");
            await Expect(page.Locator("#confirm-vote")).ToHaveTextAsync("اختر إجابة أولاً");
            await Ballot.Choice(page, "Sim").CheckAsync();
            await Expect(page.Locator("#confirm-vote")).ToHaveTextAsync("أكّد صوتي لـ Sim");
            // The stub's gaps read in English rather than as keys.
            await Expect(page.Locator("#confirm-hint")).ToHaveTextAsync("Nothing is sent until you confirm. You can change your choice until then.");
            await AssertNoSeriousViolationsAsync(page, "vote page in Arabic");
        }

        if (screenshot is not null)
        {
            await page.ScreenshotAsync(new PageScreenshotOptions
            {
                Path = Screenshots.FreshPathFor(screenshot),
                FullPage = true,
                Animations = ScreenshotAnimations.Disabled,
            });
        }

        await AssertNoSidewaysScrollAsync(page, $"vote page ({locale})");
        var radio = (await Ballot.Choice(page, "Sim").BoundingBoxAsync())!;
        var label = (await page.Locator("[data-option-id='sim'] .option-label").BoundingBoxAsync())!;
        var brand = (await page.Locator(".brand").BoundingBoxAsync())!;
        var switcher = (await page.Locator("#language").BoundingBoxAsync())!;
        session.AssertNoErrors();
        return new Layout(radio.X, label.X, brand.X, switcher.X);
    }
}
