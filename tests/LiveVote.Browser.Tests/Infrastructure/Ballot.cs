using Microsoft.Playwright;

namespace LiveVote.Browser.Tests.Infrastructure;

/// <summary>
/// The vote page's ballot as a viewer uses it: tapping an answer only selects it (a radio button); the confirm button,
/// which names the answer, sends the vote.
/// </summary>
public static class Ballot
{
    public static ILocator Choice(IPage page, string label) => page.GetByRole(AriaRole.Radio, new() { Name = label, Exact = true });

    public static ILocator ConfirmButton(IPage page, string label) =>
        page.GetByRole(AriaRole.Button, new() { Name = $"Confirm my vote for {label}", Exact = true });

    /// <summary>Selects the answer, then confirms it: the two steps of one vote.</summary>
    public static async Task ChooseAndConfirmAsync(IPage page, string label)
    {
        await Choice(page, label).CheckAsync();
        await ConfirmButton(page, label).ClickAsync();
    }
}
