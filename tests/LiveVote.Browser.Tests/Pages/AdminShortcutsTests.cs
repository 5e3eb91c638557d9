using LiveVote.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using static LiveVote.Browser.Tests.Infrastructure.AccessibilityCheck;
using static LiveVote.Browser.Tests.Pages.ConsoleTestKit;

namespace LiveVote.Browser.Tests.Pages;

/// <summary>Keyboard shortcuts for the on-air actions of the selected poll card, listed on screen, each confirmed first.</summary>
public sealed class AdminShortcutsTests(BrowserFixture browser) : PageTestBase(browser)
{
    [Theory]
    [MemberData(nameof(Sizes), MemberType = typeof(ConsoleTestKit))]
    public async Task Shortcuts_ActOnTheSelectedPollOnly_AfterConfirmation(string size)
    {
        var first = await CreatePollAsync("First question?", ("a", "A"), ("b", "B"));
        var second = await CreatePollAsync("Second question?", ("a", "A"), ("b", "B"));
        await OpenPollAsync(first.Id);
        await OpenPollAsync(second.Id);
        await using var session = await OpenPageAsync(SizeOf(size));
        var page = session.Page;
        await SignInAsync(page);
        var legend = page.GetByRole(AriaRole.Region, new() { Name = "Shortcuts" });
        await Expect(legend).ToBeVisibleAsync();
        await Expect(legend.Locator("kbd")).ToHaveTextAsync(["O", "C", "F", "R"]);
        await Expect(legend.Locator("dd")).ToHaveTextAsync(["Open voting", "Close voting", "Freeze on-air results", "Release on-air results"]);
        var item = PollItem(page, "Second question?");

        await item.Locator(".meta").ClickAsync();

        await Expect(item).ToHaveAttributeAsync("aria-current", "true");
        await Expect(item.Locator(".selected-mark")).ToHaveTextAsync("Selected");
        await Expect(page.Locator("#selected-poll")).ToHaveTextAsync("Selected poll: “Second question?”.");
        await AssertNoSeriousViolationsAsync(page, "producer console, poll selected");
        await page.Keyboard.PressAsync("f");
        await Expect(Dialog(page).GetByRole(AriaRole.Heading)).ToHaveTextAsync("Freeze the on-air results of “Second question?”?");
        await Expect(Dialog(page).GetByRole(AriaRole.Button, new() { Name = "Cancel" })).ToBeFocusedAsync();
        Assert.False((await GetPollAsync(second.Id)).ResultsFrozen);
        await ConfirmAsync(page, "Freeze on-air results");

        await Expect(item.Locator(".badge.is-frozen")).ToHaveTextAsync("On air frozen");
        Assert.True((await GetPollAsync(second.Id)).ResultsFrozen);
        Assert.False((await GetPollAsync(first.Id)).ResultsFrozen);

        // Still selected after the card was drawn again; C asks about this poll, and Cancel leaves it open.
        await Expect(item).ToHaveAttributeAsync("aria-current", "true");
        await page.Keyboard.PressAsync("c");
        await Expect(Dialog(page).GetByRole(AriaRole.Heading)).ToHaveTextAsync("Close voting on “Second question?”?");
        await ShootAsync(page, $"admin-console-shortcuts-{size}.png");
        await Dialog(page).GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(Dialog(page)).ToHaveCountAsync(0);
        Assert.Equal("open", (await GetPollAsync(second.Id)).Status);

        // R releases it, O on an open poll explains that there is nothing to open.
        await page.Keyboard.PressAsync("r");
        await ConfirmAsync(page, "Release on-air results");
        await Expect(item.Locator(".badge.is-frozen")).ToHaveCountAsync(0);
        Assert.False((await GetPollAsync(second.Id)).ResultsFrozen);
        await page.Keyboard.PressAsync("o");
        await Expect(page.Locator("#notice")).ToContainTextAsync("“Second question?” cannot be changed that way now.");
        await Expect(Dialog(page)).ToHaveCountAsync(0);
        session.AssertNoErrors();
    }

    [Fact]
    public async Task Shortcuts_DoNotFireWhileTyping_NorWithoutASelection_AndTabbingIntoACardSelectsIt()
    {
        var poll = await CreatePollAsync("Keep me open", ("a", "A"), ("b", "B"));
        await OpenPollAsync(poll.Id);
        await using var session = await OpenPageAsync(BrowserPage.Phone);
        var page = session.Page;
        await SignInAsync(page);
        var item = PollItem(page, "Keep me open");
        await Expect(item.Locator(".live-total")).ToHaveTextAsync("0 votes");

        // Signing in leaves the focus in the question field: out of it first, with no card selected.
        await page.GetByRole(AriaRole.Heading, new() { Name = "Polls", Exact = true }).ClickAsync();
        await page.Keyboard.PressAsync("c");
        await Expect(page.Locator("#notice")).ToContainTextAsync("Select a poll first.");
        await Expect(Dialog(page)).ToHaveCountAsync(0);

        // Keyboard focus moving into the card selects it.
        await item.GetByRole(AriaRole.Button, new() { Name = "Close voting: Keep me open" }).FocusAsync();
        await Expect(item).ToHaveAttributeAsync("aria-current", "true");

        // Typing a question with the letters of every shortcut in it does nothing but type.
        await page.GetByLabel("Question").FillAsync("");
        await page.GetByLabel("Question").PressSequentiallyAsync("Cofr fcor");
        await Expect(page.GetByLabel("Question")).ToHaveValueAsync("Cofr fcor");
        await Expect(Dialog(page)).ToHaveCountAsync(0);
        await page.GetByLabel("Answer 1", new() { Exact = true }).PressSequentiallyAsync("rfoc");
        await Expect(Dialog(page)).ToHaveCountAsync(0);
        var current = await GetPollAsync(poll.Id);
        Assert.Equal("open", current.Status);
        Assert.False(current.ResultsFrozen);

        // Out of the field, the same key asks about the selected poll.
        await item.Locator(".meta").ClickAsync();
        await page.Keyboard.PressAsync("c");
        await Expect(Dialog(page)).ToContainTextAsync("Closing “Keep me open” ends voting for everyone.");
        session.AssertNoErrors();
    }
}
