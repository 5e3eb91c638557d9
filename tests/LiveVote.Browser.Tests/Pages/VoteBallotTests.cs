using LiveVote.Browser.Tests.Infrastructure;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Playwright;
using static LiveVote.Browser.Tests.Infrastructure.AccessibilityCheck;

namespace LiveVote.Browser.Tests.Pages;

/// <summary>
/// The ballot on a phone and at 1080p: a tap only selects, the confirm button sends exactly one vote, and nothing says
/// the vote is safe or counted before the server has answered with its receipt.
/// </summary>
public sealed class VoteBallotTests(BrowserFixture browser) : PageTestBase(browser)
{
    public static TheoryData<string> Sizes() => ["phone", "1080p"];

    private static ViewportSize SizeOf(string name) => name == "phone" ? BrowserPage.Phone : BrowserPage.FullHd;

    // What only an acknowledged vote may say (the hidden receipt carries it in the DOM: visible text is what counts).
    private const string SafeWording = "safe";

    private async Task<string> OpenPollAsync()
    {
        var poll = await CreatePollAsync("Which song opens the show?", showResultsToViewers: true,
            ("anthem", "The anthem"), ("ballad", "The ballad"), ("rocker", "The rocker"));
        await OpenPollAsync(poll.Id);
        return poll.Id;
    }

    /// <summary>Counts the vote requests the page makes, letting each through to the real server.</summary>
    private static async Task<Func<int>> CountVoteRequestsAsync(IPage page)
    {
        var count = 0;
        await page.RouteAsync("**/v1/polls/*/votes", async route =>
        {
            Interlocked.Increment(ref count);
            await route.ContinueAsync();
        });
        return () => Volatile.Read(ref count);
    }

    private static LocatorAssertionsToContainTextOptions VisibleText => new() { UseInnerText = true };

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task Ballot_OneTapOnlySelects_ChangingIsFree_ConfirmSendsExactlyOneVote(string size)
    {
        var pollId = await OpenPollAsync();
        await using var session = await OpenPageAsync(SizeOf(size));
        var page = session.Page;
        var voteRequests = await CountVoteRequestsAsync(page);
        await page.GotoAsync($"/vote/{pollId}");
        var confirm = page.Locator("#confirm-vote");
        await Expect(confirm).ToBeDisabledAsync();
        await Expect(confirm).ToHaveTextAsync("Choose an answer first");

        // The accidental tap: the answer is marked as chosen, and nothing is sent.
        await Ballot.Choice(page, "The anthem").ClickAsync();
        await Expect(Ballot.Choice(page, "The anthem")).ToBeCheckedAsync();
        await Expect(Ballot.ConfirmButton(page, "The anthem")).ToBeEnabledAsync();

        // Changing one's mind costs nothing: the other answer is chosen instead, the button names it.
        await Ballot.Choice(page, "The ballad").ClickAsync();
        await Expect(Ballot.Choice(page, "The ballad")).ToBeCheckedAsync();
        await Expect(Ballot.Choice(page, "The anthem")).Not.ToBeCheckedAsync();
        await Expect(confirm).ToHaveTextAsync("Confirm my vote for The ballad");
        await Expect(page.GetByRole(AriaRole.Radio, new() { Checked = true })).ToHaveCountAsync(1);
        await AssertNoSeriousViolationsAsync(page, $"vote page, answer chosen ({size})");
        await page.ScreenshotAsync(new PageScreenshotOptions
        {
            Path = Screenshots.FreshPathFor($"vote-confirm-{size}.png"),
            FullPage = true,
            Animations = ScreenshotAnimations.Disabled,
        });

        // A vote sent on a tap would have started at once; give it ample time to show up before saying it did not.
        await Task.Delay(1500);
        Assert.Equal(0, voteRequests());
        Assert.Equal(0, (await Api.ResultsAsync(Public, pollId)).Total);
        await Expect(page.Locator("body")).Not.ToContainTextAsync(SafeWording, VisibleText);

        await Ballot.ConfirmButton(page, "The ballad").ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your vote is in" })).ToBeVisibleAsync();
        await Expect(page.Locator("#receipt-safe")).ToHaveTextAsync("Your vote is safe: LiveVote has counted it.");
        await Expect(page.Locator("#receipt-choice")).ToHaveTextAsync("The ballad");
        var results = await Api.ResultsWhenAsync(Public, pollId, r => r.Total >= 1);
        Assert.Equal(1, results.Total);
        Assert.Equal(1, results.Totals["ballad"]);
        Assert.Equal(1, voteRequests());
        session.AssertNoErrors();
    }

    [Fact]
    public async Task Ballot_WhileTheVoteIsOnItsWay_SaysSending_AndSafeOnlyOnceTheServerAnswered()
    {
        var pollId = await OpenPollAsync();
        await using var session = await OpenPageAsync();
        var page = session.Page;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync("**/v1/polls/*/votes", async route =>
        {
            arrived.TrySetResult();
            await release.Task;
            await route.ContinueAsync();
        });
        await page.GotoAsync($"/vote/{pollId}");

        await Ballot.ChooseAndConfirmAsync(page, "The rocker");
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));

        await Expect(page.Locator("#notice strong")).ToHaveTextAsync("Sending…");
        await Expect(page.Locator("#confirm-vote")).ToHaveTextAsync("Sending…");
        await Expect(page.Locator("#confirm-vote")).ToBeDisabledAsync();
        await Expect(Ballot.Choice(page, "The anthem")).ToBeDisabledAsync();
        await Expect(page.Locator("body")).Not.ToContainTextAsync(SafeWording, VisibleText);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your vote is in" })).ToHaveCountAsync(0);
        Assert.Equal(0, (await Api.ResultsAsync(Public, pollId)).Total);

        release.SetResult();

        await Expect(page.Locator("#receipt-safe")).ToBeVisibleAsync();
        await Expect(page.Locator("body")).ToContainTextAsync("Your vote is safe", VisibleText);
        await Expect(page.Locator("#notice")).ToBeEmptyAsync();
        Assert.Equal(1, (await Api.ResultsWhenAsync(Public, pollId, r => r.Total >= 1)).Totals["rocker"]);
        session.AssertNoErrors();
    }

    [Fact]
    public async Task Ballot_FailedVote_SaysNotCountedYet_NeverSafe_AndTryAgainSendsTheSameVote()
    {
        var pollId = await OpenPollAsync();
        await using var session = await OpenPageAsync();
        var page = session.Page;
        var bodies = new List<string?>();
        await page.RouteAsync("**/v1/polls/*/votes", async route =>
        {
            int attempt;
            lock (bodies)
            {
                bodies.Add(route.Request.PostData);
                attempt = bodies.Count;
            }

            if (attempt == 1)
            {
                // Refused, and not a "try later": the page gives up at once and says so.
                await route.FulfillAsync(new RouteFulfillOptions
                {
                    Status = 400,
                    ContentType = "application/problem+json",
                    Body = """{"status":400,"title":"Something is off.","code":"invalid-request"}""",
                });
                return;
            }

            await route.ContinueAsync();
        });
        await page.GotoAsync($"/vote/{pollId}");

        await Ballot.ChooseAndConfirmAsync(page, "The anthem");

        await Expect(page.Locator("#notice")).ToContainTextAsync("Your vote has not been sent yet.");
        await Expect(page.Locator("#notice")).ToContainTextAsync("not counted yet");
        await Expect(page.Locator("body")).Not.ToContainTextAsync(SafeWording, VisibleText);
        Assert.Equal(0, (await Api.ResultsAsync(Public, pollId)).Total);
        // Only the very same vote may go again: the choice is locked, the button offers to send it again.
        await Expect(Ballot.Choice(page, "The ballad")).ToBeDisabledAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Try again: send my vote for The anthem" }).ClickAsync();

        await Expect(page.Locator("#receipt-safe")).ToBeVisibleAsync();
        lock (bodies)
        {
            Assert.Equal(2, bodies.Count);
            Assert.Equal(bodies[0], bodies[1]);
        }

        var results = await Api.ResultsWhenAsync(Public, pollId, r => r.Total >= 1);
        Assert.Equal(1, results.Totals["anthem"]);
        Assert.Equal(1, results.Total);
        // The refused first try is logged by Chromium as a failed resource load (console error): that one is expected.
        Assert.All(session.Errors, e => Assert.Contains("400", e, StringComparison.Ordinal));
    }

    [Fact]
    public async Task LiveResults_HiddenUntilTheReveal_SayHidden_NotZero_ThenShowTheCounts()
    {
        var pollId = await OpenPollAsync();
        await CastVoteAsync(pollId, "anthem");
        (await Admin.PostAsync($"/v1/polls/{pollId}/hide-results", null)).EnsureSuccessStatusCode();
        await using var session = await OpenPageAsync();
        var page = session.Page;
        await page.GotoAsync($"/vote/{pollId}");

        await Ballot.ChooseAndConfirmAsync(page, "The ballad");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Live results" })).ToBeVisibleAsync();
        await Expect(page.Locator("#live-total")).ToHaveTextAsync("The results are hidden until the show reveals them.");
        await Expect(page.Locator("#board")).ToBeHiddenAsync();

        (await Admin.PostAsync($"/v1/polls/{pollId}/reveal", null)).EnsureSuccessStatusCode();

        await Expect(page.Locator("#live-total")).ToHaveTextAsync("2 votes");
        await Expect(page.Locator("#board [data-option-id='ballad'] .bar-count")).ToHaveTextAsync("1 vote");
        session.AssertNoErrors();
    }

    [Fact]
    public async Task Receipt_IsExplainedInPlainWords_AndLinksToItsCheck()
    {
        var pollId = await OpenPollAsync();
        await using var session = await OpenPageAsync();
        var page = session.Page;
        await page.GotoAsync($"/vote/{pollId}");

        await Ballot.ChooseAndConfirmAsync(page, "The ballad");

        await Expect(page.Locator("#receipt-hint")).ToHaveTextAsync(
            "This code proves your vote is in the public count. Anyone can check it without seeing who you voted for.");
        var receipt = (await page.Locator("#receipt-hash").TextContentAsync())!;
        Assert.Matches("^[0-9a-f]{64}$", receipt);
        var link = page.GetByRole(AriaRole.Link, new() { Name = "Check your receipt" });
        var href = (await link.GetAttributeAsync("href"))!;
        Assert.StartsWith($"/verify?poll={Uri.EscapeDataString(pollId)}&log=", href, StringComparison.Ordinal);
        Assert.EndsWith($"&receipt={receipt}", href, StringComparison.Ordinal);
        await AssertNoSeriousViolationsAsync(page, "vote page, receipt");
        session.AssertNoErrors();
    }
}
