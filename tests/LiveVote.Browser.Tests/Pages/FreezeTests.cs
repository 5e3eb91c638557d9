using LiveVote.Browser.Tests.Infrastructure;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LiveVote.Browser.Tests.Pages;

/// <summary>
/// The producer freezes the on-air graphic from the desk: votes cast meanwhile are counted (the desk shows them) but
/// the graphic holds still; release makes it catch up.
/// </summary>
public sealed class FreezeTests(BrowserFixture browser) : PageTestBase(browser)
{
    [Fact]
    public async Task OnAirGraphic_FrozenFromTheDesk_HoldsWhileVotesAreCounted_AndCatchesUpOnRelease()
    {
        var poll = await CreatePollAsync("Best band?", ("north", "North"), ("south", "South"));
        await OpenPollAsync(poll.Id);
        await CastVoteAsync(poll.Id, "north");
        await CastVoteAsync(poll.Id, "south");
        await using var onAir = await OpenPageAsync(BrowserPage.FullHd);
        await onAir.Page.GotoAsync($"/results/{poll.Id}?transparent=1");
        await Expect(onAir.Page.Locator("#total")).ToHaveTextAsync("2 votes");
        await using var desk = await OpenPageAsync(BrowserPage.FullHd);
        await SignInAsync(desk.Page);
        var item = PollItem(desk.Page, "Best band?");

        await item.GetByRole(AriaRole.Button, new() { Name = "Freeze on-air results: Best band?" }).ClickAsync();
        await ConsoleTestKit.ConfirmAsync(desk.Page, "Freeze on-air results");

        await Expect(item.Locator(".badge.is-frozen")).ToHaveTextAsync("On air frozen");
        await Expect(item.Locator(".on-air")).ToContainTextAsync("On air: frozen at 2 votes");
        Assert.True((await GetPollAsync(poll.Id)).ResultsFrozen);
        await CastVoteAsync(poll.Id, "south");
        await CastVoteAsync(poll.Id, "south");
        await CastVoteAsync(poll.Id, "south");

        // The desk shows the count going on; the graphic, several publish intervals later, has not moved.
        await Expect(item.Locator(".live-total")).ToHaveTextAsync("5 votes");
        await Task.Delay(1500);
        await Expect(onAir.Page.Locator("#total")).ToHaveTextAsync("2 votes");
        await Expect(onAir.Page.Locator("#board [data-option-id='south'] .bar-count")).ToHaveTextAsync("1 vote");
        var publicResults = await Api.ResultsAsync(Public, poll.Id);
        Assert.True(publicResults.Frozen);
        Assert.Equal(2, publicResults.Total);

        await item.GetByRole(AriaRole.Button, new() { Name = "Release on-air results: Best band?" }).ClickAsync();
        await ConsoleTestKit.ConfirmAsync(desk.Page, "Release on-air results");

        await Expect(onAir.Page.Locator("#total")).ToHaveTextAsync("5 votes");
        await Expect(onAir.Page.Locator("#board [data-option-id='south'] .bar-count")).ToHaveTextAsync("4 votes");
        await Expect(item.Locator(".badge.is-frozen")).ToHaveCountAsync(0);
        Assert.False((await GetPollAsync(poll.Id)).ResultsFrozen);
        onAir.AssertNoErrors();
        desk.AssertNoErrors();
    }
}
