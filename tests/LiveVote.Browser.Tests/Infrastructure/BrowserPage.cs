using Microsoft.Playwright;

namespace LiveVote.Browser.Tests.Infrastructure;

/// <summary>
/// A fresh browser context (its own localStorage and sessionStorage) with one page on the test server, collecting
/// console errors and uncaught page errors so a test can assert the page ran cleanly.
/// </summary>
public sealed class BrowserPage : IAsyncDisposable
{
    public static readonly ViewportSize Phone = new() { Width = 390, Height = 844 };
    public static readonly ViewportSize FullHd = new() { Width = 1920, Height = 1080 };

    private readonly List<string> _errors = [];

    private BrowserPage(IBrowserContext context, IPage page)
    {
        Context = context;
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (_errors)
                {
                    _errors.Add($"console error: {message.Text} at {message.Location}");
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (_errors)
            {
                _errors.Add($"page error: {error}");
            }
        };
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    /// <param name="locale">The browser's language (navigator.languages, Accept-Language): the pages' default language.</param>
    public static async Task<BrowserPage> OpenAsync(BrowserFixture browser, Uri baseAddress, ViewportSize? viewport = null, string locale = "en-GB")
    {
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString(),
            ViewportSize = viewport ?? Phone,
            Locale = locale,
        });
        return new BrowserPage(context, await context.NewPageAsync());
    }

    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_errors)
            {
                return [.. _errors];
            }
        }
    }

    public void AssertNoErrors() => Assert.Empty(Errors);

    public async ValueTask DisposeAsync() => await Context.CloseAsync();
}
