using LiveVote.Browser.Tests.Infrastructure;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Playwright;
using static LiveVote.Browser.Tests.Infrastructure.AccessibilityCheck;

namespace LiveVote.Browser.Tests.Pages;

/// <summary>
/// axe-core finds no serious or critical violation (labels, contrast, landmarks, names, ARIA) on any page, in the states
/// people meet them in, at phone size and at 1080p.
/// </summary>
public sealed class AccessibilityTests(BrowserFixture browser) : PageTestBase(browser)
{
    public static TheoryData<string> Sizes() => ["phone", "1080p"];

    private static ViewportSize SizeOf(string name) => name == "phone" ? BrowserPage.Phone : BrowserPage.FullHd;

    private async Task<string> OpenPollWithVotesAsync()
    {
        var poll = await CreatePollAsync("Who should win tonight?", showResultsToViewers: true, ("aurora", "Team Aurora"), ("borealis", "Team Borealis"));
        await OpenPollAsync(poll.Id);
        await CastVoteAsync(poll.Id, "aurora");
        await CastVoteAsync(poll.Id, "borealis");
        await Api.ResultsWhenAsync(Public, poll.Id, r => r.Total == 2);
        return poll.Id;
    }

    [Fact]
    public async Task AccessibilityCheck_FindsAnUnlabelledFieldAndUnreadableText()
    {
        await using var session = await OpenPageAsync();
        var page = session.Page;
        await page.GotoAsync("/");
        await Expect(page.Locator("#status")).Not.ToHaveTextAsync("Loading polls…");

        await page.EvaluateAsync("""
            () => {
              const input = document.createElement('input');
              input.type = 'text';
              const faint = document.createElement('p');
              faint.textContent = 'Barely readable';
              faint.style.color = '#1a2140';
              document.querySelector('main').append(input);
              // On a solid card: over the page's gradient axe cannot tell the background, and leaves contrast "incomplete".
              document.getElementById('status').append(faint);
            }
            """);
        var violations = await SeriousViolationsAsync(page);

        Assert.Contains(violations, v => v.StartsWith("label (critical)", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.StartsWith("color-contrast (serious)", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task HomeAndVotePages_HaveNoSeriousViolations(string size)
    {
        var pollId = await OpenPollWithVotesAsync();
        await using var session = await OpenPageAsync(SizeOf(size));
        var page = session.Page;

        await page.GotoAsync("/");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Vote: Who should win tonight?" })).ToBeVisibleAsync();
        await AssertNoSeriousViolationsAsync(page, "home page");

        await page.GotoAsync($"/vote/{pollId}");
        await Expect(Ballot.Choice(page, "Team Aurora")).ToBeVisibleAsync();
        await AssertNoSeriousViolationsAsync(page, "vote page, ballot");

        await Ballot.Choice(page, "Team Aurora").CheckAsync();
        await AssertNoSeriousViolationsAsync(page, "vote page, answer chosen");
        await Ballot.ConfirmButton(page, "Team Aurora").ClickAsync();
        await Expect(page.Locator("#live-total")).ToHaveTextAsync("3 votes");
        await AssertNoSeriousViolationsAsync(page, "vote page, receipt and live results");
        session.AssertNoErrors();
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task ResultsPage_OpaqueAndTransparent_HaveNoSeriousViolations(string size)
    {
        var pollId = await OpenPollWithVotesAsync();
        await using var session = await OpenPageAsync(SizeOf(size));
        var page = session.Page;

        await page.GotoAsync($"/results/{pollId}");
        await Expect(page.Locator("#total")).ToHaveTextAsync("2 votes");
        await AssertNoSeriousViolationsAsync(page, "results page");

        await page.GotoAsync($"/results/{pollId}?transparent=1");
        await Expect(page.Locator("#total")).ToHaveTextAsync("2 votes");
        await AssertNoSeriousViolationsAsync(page, "results page, transparent");
        session.AssertNoErrors();
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task ProducerDesk_SignedInWithLiveFiguresAndAFrozenPoll_HasNoSeriousViolations(string size)
    {
        var pollId = await OpenPollWithVotesAsync();
        (await PresentationApi.FreezeAsync(Admin, pollId)).EnsureSuccessStatusCode();
        await CreatePollAsync("Next week's theme?", ("movies", "Movie night"), ("eighties", "Back to the 80s"));
        await using var session = await OpenPageAsync(SizeOf(size));
        var page = session.Page;

        await page.GotoAsync("/admin");
        await Expect(page.GetByLabel("Admin key")).ToBeVisibleAsync();
        await AssertNoSeriousViolationsAsync(page, "producer desk, sign in");

        await SignInAsync(page);
        await Expect(page.Locator("#stat-total")).Not.ToHaveTextAsync("–");
        await Expect(PollItem(page, "Who should win tonight?").Locator(".on-air")).ToContainTextAsync("frozen at 2 votes");
        await AssertNoSeriousViolationsAsync(page, "producer desk, signed in");
        session.AssertNoErrors();
    }
}
