using System.Net.Http.Json;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LiveVote.Browser.Tests.Infrastructure;

/// <summary>A fresh server per test (its own SQLite file, optionally its own settings) and the shared browser.</summary>
[Collection(BrowserTestGroup.Name)]
public abstract class PageTestBase(BrowserFixture browser, Dictionary<string, string?>? settings = null) : IAsyncLifetime
{
    protected BrowserFixture Browser { get; } = browser;

    protected LiveVoteServer Server { get; } = new(settings);

    protected HttpClient Admin { get; private set; } = null!;

    protected HttpClient Public { get; private set; } = null!;

    protected Uri BaseAddress => Public.BaseAddress!;

    public virtual Task InitializeAsync()
    {
        Admin = Server.AdminClient();
        Public = Server.Client();
        return Task.CompletedTask;
    }

    public virtual Task DisposeAsync()
    {
        Admin.Dispose();
        Public.Dispose();
        Server.Dispose();
        return Task.CompletedTask;
    }

    protected Task<BrowserPage> OpenPageAsync(ViewportSize? viewport = null) => BrowserPage.OpenAsync(Browser, BaseAddress, viewport);

    protected static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    protected static IPageAssertions Expect(IPage page) => Assertions.Expect(page);

    /// <summary>A poll with real labels (the shared Api helper labels options "Option x").</summary>
    protected Task<PollDto> CreatePollAsync(string title, params (string Id, string Label)[] options) => CreatePollAsync(title, false, options);

    /// <param name="showResultsToViewers">Whether the vote page shows the live results after a vote.</param>
    protected async Task<PollDto> CreatePollAsync(string title, bool showResultsToViewers, params (string Id, string Label)[] options)
    {
        var response = await Admin.PostAsJsonAsync("/v1/polls",
            new CreatePollRequest(title, [.. options.Select(o => new PollOptionDto(o.Id, o.Label))], showResultsToViewers),
            ContractsJsonContext.Default.CreatePollRequest);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PollDto))!;
    }

    protected async Task OpenPollAsync(string pollId) => (await Admin.PostAsync($"/v1/polls/{pollId}/open", null)).EnsureSuccessStatusCode();

    protected async Task ClosePollAsync(string pollId) => (await Admin.PostAsync($"/v1/polls/{pollId}/close", null)).EnsureSuccessStatusCode();

    /// <summary>
    /// Registers a new viewer and casts one accepted vote through the API, as the broadcaster's trusted back end does
    /// (admin key: no CAPTCHA, not risk-scored), so setting the scene never depends on the public defences.
    /// </summary>
    protected async Task CastVoteAsync(string pollId, string optionId)
    {
        var viewer = await Api.RegisterAsync(Admin);
        using var response = await Api.VoteAsync(Admin, pollId, viewer.Token, optionId);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Signs in to the producer desk with the server's admin key.</summary>
    protected static async Task SignInAsync(IPage page, string key = LiveVoteServer.AdminKey)
    {
        await page.GotoAsync("/admin");
        await page.GetByLabel("Admin key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    /// <summary>A poll's card on the producer desk, found by its title.</summary>
    protected static ILocator PollItem(IPage page, string title) =>
        page.Locator("#admin-polls > li").Filter(new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = title, Exact = true }) });

    protected async Task<PollDto> GetPollAsync(string pollId) =>
        (await Admin.GetFromJsonAsync($"/v1/polls/{pollId}", ContractsJsonContext.Default.PollDto))!;
}
