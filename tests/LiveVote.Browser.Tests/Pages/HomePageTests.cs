using LiveVote.Browser.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LiveVote.Browser.Tests.Pages;

public sealed class HomePageTests(BrowserFixture browser) : PageTestBase(browser)
{
    [Fact]
    public async Task HomePage_ListsOpenAndClosedPollsWithTheirLinks_ButNoDrafts()
    {
        var open = await CreatePollAsync("Open one", ("a", "A"), ("b", "B"));
        await OpenPollAsync(open.Id);
        var closed = await CreatePollAsync("Closed one", ("a", "A"), ("b", "B"));
        await OpenPollAsync(closed.Id);
        await ClosePollAsync(closed.Id);
        await CreatePollAsync("Draft one", ("a", "A"), ("b", "B"));
        await using var session = await OpenPageAsync();
        var page = session.Page;

        await page.GotoAsync("/");

        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Vote: Open one" })).ToHaveAttributeAsync("href", $"/vote/{open.Id}");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Live results: Open one" })).ToHaveAttributeAsync("href", $"/results/{open.Id}");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Final results: Closed one" })).ToHaveAttributeAsync("href", $"/results/{closed.Id}");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Vote: Closed one" })).ToHaveCountAsync(0);
        await Expect(page.GetByText("Draft one")).ToHaveCountAsync(0);
        session.AssertNoErrors();
    }

    [Fact]
    public async Task HomePage_NoOpenPoll_SaysSo()
    {
        await using var session = await OpenPageAsync();
        var page = session.Page;

        await page.GotoAsync("/");

        await Expect(page.GetByText("No poll is open right now.")).ToBeVisibleAsync();
        session.AssertNoErrors();
    }
}
