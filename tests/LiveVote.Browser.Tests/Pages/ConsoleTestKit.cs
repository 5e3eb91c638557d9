using LiveVote.Browser.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LiveVote.Browser.Tests.Pages;

/// <summary>What the producer console's tests share: its confirmation dialog, sizes, screenshots, expected network noise.</summary>
internal static class ConsoleTestKit
{
    public static TheoryData<string> Sizes() => ["phone", "1080p"];

    public static ViewportSize SizeOf(string name) => name == "phone" ? BrowserPage.Phone : BrowserPage.FullHd;

    /// <summary>The in-page confirmation (js/confirm-dialog.js): a modal dialog, so role "dialog".</summary>
    public static ILocator Dialog(IPage page) => page.GetByRole(AriaRole.Dialog);

    /// <summary>Presses the dialog's confirming button (named after the action) and waits for the dialog to go.</summary>
    public static async Task ConfirmAsync(IPage page, string confirmLabel)
    {
        var dialog = Dialog(page);
        await dialog.GetByRole(AriaRole.Button, new() { Name = confirmLabel, Exact = true }).ClickAsync();
        await Assertions.Expect(dialog).ToHaveCountAsync(0);
    }

    public static async Task ShootAsync(IPage page, string fileName)
    {
        await page.ScreenshotAsync(new PageScreenshotOptions
        {
            Path = Screenshots.FreshPathFor(fileName),
            FullPage = true,
            Animations = ScreenshotAnimations.Disabled,
        });
        Assert.True(new FileInfo(Screenshots.PathFor(fileName)).Length > 0);
    }

    /// <summary>
    /// The page's errors, less Chromium's own line for each request a test cut off on purpose ("Failed to load
    /// resource: net::ERR_FAILED", or the status of a 5xx it answered): those are the test's doing, not the page's.
    /// </summary>
    public static IReadOnlyList<string> ErrorsBesidesCutRequests(BrowserPage session) =>
        [.. session.Errors.Where(e => !e.Contains("Failed to load resource", StringComparison.Ordinal))];
}
