using LiveVote.Browser.Tests.Infrastructure;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LiveVote.Browser.Tests.Pages;

/// <summary>The vote page shows the live results after a vote only when the producer allows it.</summary>
public sealed class ViewerResultsTests(BrowserFixture browser) : PageTestBase(browser)
{
    [Fact]
    public async Task VotePage_ProducerAllowsResults_ShowsTheLiveResultsAfterTheVote()
    {
        var poll = await CreatePollAsync("Tea or coffee?", showResultsToViewers: true, ("tea", "Tea"), ("coffee", "Coffee"));
        await OpenPollAsync(poll.Id);
        await CastVoteAsync(poll.Id, "coffee");
        await using var session = await OpenPageAsync();
        var page = session.Page;
        await page.GotoAsync($"/vote/{poll.Id}");

        await Ballot.ChooseAndConfirmAsync(page, "Tea");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your vote is in" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Live results" })).ToBeVisibleAsync();
        await Expect(page.Locator("#board [data-option-id='tea'] .bar-count")).ToHaveTextAsync("1 vote");
        await Expect(page.Locator("#live-total")).ToHaveTextAsync("2 votes");
        session.AssertNoErrors();
    }

    [Fact]
    public async Task VotePage_ProducerHidesResults_ShowsOnlyTheConfirmation_UntilTheProducerAllowsThem()
    {
        var poll = await CreatePollAsync("Tea or coffee?", ("tea", "Tea"), ("coffee", "Coffee"));
        await OpenPollAsync(poll.Id);
        await using var session = await OpenPageAsync();
        var page = session.Page;
        await page.GotoAsync($"/vote/{poll.Id}");

        await Ballot.ChooseAndConfirmAsync(page, "Tea");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your vote is in" })).ToBeVisibleAsync();
        await Expect(page.Locator("#live")).ToBeHiddenAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Live results" })).ToHaveCountAsync(0);

        // The public results still serve the on-air graphic.
        Assert.Equal(1, (await Api.ResultsWhenAsync(Public, poll.Id, r => r.Total == 1)).Totals["tea"]);

        (await PresentationApi.SetViewerResultsAsync(Admin, poll.Id, true)).EnsureSuccessStatusCode();
        await page.ReloadAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "You already voted" })).ToBeVisibleAsync();
        await Expect(page.Locator("#board [data-option-id='tea'] .bar-count")).ToHaveTextAsync("1 vote");
        session.AssertNoErrors();
    }

    [Fact]
    public async Task VotePage_ClosedPollWithResultsHidden_SaysToWatchTheShowAndShowsNoResult()
    {
        var poll = await CreatePollAsync("Tea or coffee?", ("tea", "Tea"), ("coffee", "Coffee"));
        await OpenPollAsync(poll.Id);
        await CastVoteAsync(poll.Id, "tea");
        await ClosePollAsync(poll.Id);
        await using var session = await OpenPageAsync();
        var page = session.Page;

        await page.GotoAsync($"/vote/{poll.Id}");

        await Expect(page.Locator("#notice")).ToContainTextAsync("Watch the show for the result.");
        await Expect(page.Locator("#live")).ToBeHiddenAsync();
        session.AssertNoErrors();
    }

    [Fact]
    public async Task AdminPage_ViewerResultsCheckbox_ChangesTheSettingOnTheServer()
    {
        var poll = await CreatePollAsync("Tea or coffee?", ("tea", "Tea"), ("coffee", "Coffee"));
        await OpenPollAsync(poll.Id);
        await using var session = await OpenPageAsync(BrowserPage.FullHd);
        var page = session.Page;
        await SignInAsync(page);
        var checkbox = PollItem(page, "Tea or coffee?").GetByLabel("Viewers see the results after voting");
        await Expect(checkbox).Not.ToBeCheckedAsync();

        await checkbox.CheckAsync();

        await Expect(page.Locator("#notice")).ToContainTextAsync("see the live results after voting");
        Assert.True((await GetPollAsync(poll.Id)).ShowResultsToViewers);
        await checkbox.UncheckAsync();
        await Expect(page.Locator("#notice")).ToContainTextAsync("no longer see the results");
        Assert.False((await GetPollAsync(poll.Id)).ShowResultsToViewers);
        session.AssertNoErrors();
    }

    [Fact]
    public async Task AdminPage_NewPollWithViewerResultsTicked_IsCreatedShowingThem()
    {
        await using var session = await OpenPageAsync(BrowserPage.FullHd);
        var page = session.Page;
        await SignInAsync(page);
        await page.GetByLabel("Question").FillAsync("Shown poll");
        await page.GetByLabel("Answer 1", new() { Exact = true }).FillAsync("Yes");
        await page.GetByLabel("Answer 2", new() { Exact = true }).FillAsync("No");
        await page.GetByLabel("Show viewers the live results after they vote").CheckAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Create poll" }).ClickAsync();

        var item = PollItem(page, "Shown poll");
        await Expect(item.GetByLabel("Viewers see the results after voting")).ToBeCheckedAsync();
        var created = Assert.Single((await Api.PollsAsync(Admin)).Polls);
        Assert.True(created.ShowResultsToViewers);
        session.AssertNoErrors();
    }
}
