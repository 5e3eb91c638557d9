using System.Globalization;
using System.Text.Json;
using LiveVote.Browser.Tests.Infrastructure;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LiveVote.Browser.Tests.Pages;

public sealed class VotePageTests(BrowserFixture browser) : PageTestBase(browser)
{
    private async Task<string> OpenPollWithTwoOptionsAsync()
    {
        var poll = await CreatePollAsync("Pineapple on pizza?", showResultsToViewers: true, ("yes", "Yes, always"), ("no", "No, never"));
        await OpenPollAsync(poll.Id);
        return poll.Id;
    }

    private static ILocator Option(IPage page, string label) => Ballot.Choice(page, label);

    private static ILocator Confirmation(IPage page) => page.GetByRole(AriaRole.Heading, new() { Name = "Your vote is in" });

    /// <summary>Chooses an option, confirms it and waits for the confirmation, as a viewer does.</summary>
    private static async Task VoteAndSeeConfirmationAsync(IPage page, string label)
    {
        await Ballot.ChooseAndConfirmAsync(page, label);
        await Expect(Confirmation(page)).ToBeVisibleAsync();
    }

    [Fact]
    public async Task VotePage_ChooseAndConfirmAnOption_ShowsConfirmationWithTheReceiptOfTheAuditTrail()
    {
        var pollId = await OpenPollWithTwoOptionsAsync();
        await using var session = await OpenPageAsync();
        var page = session.Page;

        var registrations = new List<(int Status, string? Body)>();
        page.RequestFinished += async (_, request) =>
        {
            if (request.Method == "POST" && request.Url.EndsWith("/v1/viewers", StringComparison.Ordinal))
            {
                var response = await request.ResponseAsync();
                lock (registrations)
                {
                    registrations.Add((response?.Status ?? 0, request.PostData));
                }
            }
        };

        await page.GotoAsync($"/vote/{pollId}");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Pineapple on pizza?" })).ToBeVisibleAsync();
        await VoteAndSeeConfirmationAsync(page, "No, never");
        await Expect(page.Locator("#receipt-choice")).ToHaveTextAsync("No, never");
        var receipt = await page.Locator("#receipt-hash").TextContentAsync();
        var voteId = await page.Locator("#receipt-vote-id").TextContentAsync();
        var vote = Assert.Single(await Api.AuditAsync(Public, pollId), e => e.Kind == "vote");
        Assert.Equal(vote.Seq.ToString(CultureInfo.InvariantCulture), voteId);
        Assert.Equal(vote.Hash, receipt);
        Assert.Equal("no", vote.OptionId);

        // One public registration, paid for with the solved proof of work.
        lock (registrations)
        {
            var registration = Assert.Single(registrations);
            Assert.Equal(201, registration.Status);
            Assert.Contains("\"captcha\":", registration.Body, StringComparison.Ordinal);
        }

        // After voting, the live results (SSE) include the viewer's own vote.
        await Expect(page.Locator("#board [data-option-id='no'] .bar-count")).ToHaveTextAsync("1 vote");
        await Expect(page.Locator("#board [data-option-id='no'] .bar-percent")).ToHaveTextAsync("100%");
        session.AssertNoErrors();
    }

    [Fact]
    public async Task VotePage_ReloadAfterVoting_ShowsAlreadyVotedWithTheSameReceipt()
    {
        var pollId = await OpenPollWithTwoOptionsAsync();
        await using var session = await OpenPageAsync();
        var page = session.Page;
        await page.GotoAsync($"/vote/{pollId}");
        await VoteAndSeeConfirmationAsync(page, "Yes, always");
        var receipt = await page.Locator("#receipt-hash").TextContentAsync();

        await page.ReloadAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "You already voted" })).ToBeVisibleAsync();
        await Expect(page.Locator("#receipt-hash")).ToHaveTextAsync(receipt!);
        await Expect(page.Locator("#receipt-choice")).ToHaveTextAsync("Yes, always");
        await Expect(Option(page, "No, never")).ToBeHiddenAsync();
        var results = await Api.ResultsWhenAsync(Public, pollId, r => r.Total >= 1);
        Assert.Equal(1, results.Total);
        session.AssertNoErrors();
    }

    [Fact]
    public async Task VotePage_SecondVoteRefusedByTheServer_ShowsAlreadyVotedAndTheFirstVoteStands()
    {
        var pollId = await OpenPollWithTwoOptionsAsync();
        await using var session = await OpenPageAsync();
        var page = session.Page;
        await page.GotoAsync($"/vote/{pollId}");
        await VoteAndSeeConfirmationAsync(page, "Yes, always");

        // The page forgets the vote but keeps the viewer token: only the server knows this viewer voted.
        await page.EvaluateAsync("id => localStorage.removeItem('livevote.vote.' + id)", pollId);
        await page.ReloadAsync();
        await Ballot.ChooseAndConfirmAsync(page, "No, never");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "You already voted" })).ToBeVisibleAsync();
        await Expect(page.Locator("#announcer")).ToHaveTextAsync("You already voted in this poll.");
        var results = await Api.ResultsWhenAsync(Public, pollId, r => r.Total >= 1);
        Assert.Equal(1, results.Totals["yes"]);
        Assert.Equal(0, results.Totals["no"]);
    }

    [Fact]
    public async Task VotePage_ServerOverloaded_SendsTheSameVoteAgainUntilItIsStored()
    {
        var pollId = await OpenPollWithTwoOptionsAsync();
        await using var session = await OpenPageAsync();
        var page = session.Page;
        var attempts = new List<(string? Body, string? Authorization)>();
        await page.RouteAsync("**/v1/polls/*/votes", async route =>
        {
            int attempt;
            lock (attempts)
            {
                attempts.Add((route.Request.PostData, route.Request.Headers.GetValueOrDefault("authorization")));
                attempt = attempts.Count;
            }

            if (attempt <= 2)
            {
                await route.FulfillAsync(new RouteFulfillOptions
                {
                    Status = 503,
                    ContentType = "application/problem+json",
                    Headers = new Dictionary<string, string> { ["Retry-After"] = "1" },
                    Body = """{"status":503,"title":"Try again shortly.","code":"overloaded"}""",
                });
                return;
            }

            await route.ContinueAsync();
        });

        await page.GotoAsync($"/vote/{pollId}");
        await Ballot.ChooseAndConfirmAsync(page, "No, never");

        await Expect(page.Locator("#notice")).ToContainTextAsync("So many people are voting right now!");
        await Expect(Confirmation(page)).ToBeVisibleAsync();
        lock (attempts)
        {
            Assert.Equal(3, attempts.Count);
            Assert.Single(attempts.Select(a => a.Body).Distinct());
            Assert.Single(attempts.Select(a => a.Authorization).Distinct());
            Assert.Contains("\"no\"", attempts[0].Body, StringComparison.Ordinal);
        }

        var results = await Api.ResultsWhenAsync(Public, pollId, r => r.Total >= 1);
        Assert.Equal(1, results.Totals["no"]);
        Assert.Equal(1, results.Total);
    }

    [Fact]
    public async Task VotePage_VoteInterruptedBeforeItsAnswer_IsSentAgainOnTheNextVisit()
    {
        var pollId = await OpenPollWithTwoOptionsAsync();
        await using var session = await OpenPageAsync();
        var page = session.Page;
        await page.GotoAsync($"/vote/{pollId}");
        await Expect(Option(page, "Yes, always")).ToBeVisibleAsync();

        // What the page keeps while a vote is on its way; a closed tab leaves it behind.
        await page.EvaluateAsync("id => localStorage.setItem('livevote.vote.' + id, JSON.stringify({ state: 'pending', optionId: 'yes' }))", pollId);
        await page.ReloadAsync();

        await Expect(Confirmation(page)).ToBeVisibleAsync();
        await Expect(page.Locator("#receipt-choice")).ToHaveTextAsync("Yes, always");
        var results = await Api.ResultsWhenAsync(Public, pollId, r => r.Total >= 1);
        Assert.Equal(1, results.Totals["yes"]);
        session.AssertNoErrors();
    }

    [Fact]
    public async Task VotePage_SavedTokenRefused_RegistersAgainAndVotes()
    {
        var pollId = await OpenPollWithTwoOptionsAsync();
        await using var session = await OpenPageAsync();
        var page = session.Page;
        await page.GotoAsync($"/vote/{pollId}");
        await page.EvaluateAsync(
            "() => localStorage.setItem('livevote.viewer', JSON.stringify({ viewerId: 'x', token: 'not-a-token', expiresAt: '2999-01-01T00:00:00Z' }))");

        await VoteAndSeeConfirmationAsync(page, "Yes, always");
        var saved = await page.EvaluateAsync<string>("() => localStorage.getItem('livevote.viewer')");
        Assert.DoesNotContain("not-a-token", saved, StringComparison.Ordinal);
        var results = await Api.ResultsWhenAsync(Public, pollId, r => r.Total >= 1);
        Assert.Equal(1, results.Totals["yes"]);
    }

    [Fact]
    public async Task VotePage_SavedTokenExpired_RegistersAgainBeforeVoting()
    {
        var pollId = await OpenPollWithTwoOptionsAsync();
        await using var session = await OpenPageAsync();
        var page = session.Page;
        await page.GotoAsync($"/vote/{pollId}");
        await page.EvaluateAsync(
            "() => localStorage.setItem('livevote.viewer', JSON.stringify({ viewerId: 'x', token: 'expired-token', expiresAt: '2001-01-01T00:00:00Z' }))");
        var votesSentWithExpiredToken = 0;
        page.Request += (_, request) =>
        {
            if (request.Url.EndsWith("/votes", StringComparison.Ordinal) && request.Headers.GetValueOrDefault("authorization") == "Bearer expired-token")
            {
                Interlocked.Increment(ref votesSentWithExpiredToken);
            }
        };

        await VoteAndSeeConfirmationAsync(page, "No, never");
        Assert.Equal(0, votesSentWithExpiredToken);
        using var saved = JsonDocument.Parse(await page.EvaluateAsync<string>("() => localStorage.getItem('livevote.viewer')"));
        Assert.True(saved.RootElement.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow);
        session.AssertNoErrors();
    }

    [Fact]
    public async Task VotePage_ClosedPoll_SaysVotingHasClosedAndShowsTheFinalResult()
    {
        var pollId = await OpenPollWithTwoOptionsAsync();
        await CastVoteAsync(pollId, "yes");
        await ClosePollAsync(pollId);
        await using var session = await OpenPageAsync();
        var page = session.Page;

        await page.GotoAsync($"/vote/{pollId}");

        await Expect(page.Locator("#notice")).ToContainTextAsync("Voting has closed.");
        await Expect(Option(page, "Yes, always")).ToHaveCountAsync(0);
        await Expect(page.Locator("#board [data-option-id='yes'] .bar-count")).ToHaveTextAsync("1 vote");
        await Expect(page.Locator("#live-total")).ToHaveTextAsync("Final: 1 vote");
        session.AssertNoErrors();
    }

    [Fact]
    public async Task VotePage_PollClosesWhileTheBallotIsShown_TakesTheBallotAway()
    {
        var pollId = await OpenPollWithTwoOptionsAsync();
        await using var session = await OpenPageAsync();
        var page = session.Page;
        await page.GotoAsync($"/vote/{pollId}");
        await Expect(Option(page, "Yes, always")).ToBeVisibleAsync();

        await ClosePollAsync(pollId);

        await Expect(page.Locator("#notice")).ToContainTextAsync("Voting has closed.");
        await Expect(Option(page, "Yes, always")).ToBeHiddenAsync();
        session.AssertNoErrors();
    }

    [Fact]
    public async Task VotePage_UnknownPoll_SaysThePollCannotBeFound()
    {
        await using var session = await OpenPageAsync();
        var page = session.Page;

        await page.GotoAsync("/vote/p-doesnotexist");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Poll not found" })).ToBeVisibleAsync();
        await Expect(page.Locator("#notice")).ToContainTextAsync("We can’t find this poll.");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "See the open polls" })).ToHaveAttributeAsync("href", "/");
    }
}
