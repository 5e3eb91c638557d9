using System.Text;
using System.Text.Json;
using LiveVote.Browser.Tests.Infrastructure;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LiveVote.Browser.Tests.Pages;

/// <summary>
/// The vote page under the server's risk check. A heavy young-account signal makes the real check ask every fresh
/// viewer's vote for a proof of work (428 captcha-required), so the whole round trip runs against the real server.
/// </summary>
public sealed class VotePageRiskTests(BrowserFixture browser) : PageTestBase(browser, new Dictionary<string, string?>
{
    ["LiveVote:Risk:YoungAccount:Weight"] = "100",
    ["LiveVote:Risk:YoungAccount:MaxAge"] = "01:00:00",
    ["LiveVote:Risk:CaptchaThreshold"] = "50",
    ["LiveVote:Risk:BlockThreshold"] = "1000",
})
{
    [Fact]
    public async Task VotePage_RiskCheckAsksForProofOfWork_SolvesItAndSendsTheSameVoteAgain()
    {
        var poll = await CreatePollAsync("Tea or coffee?", ("tea", "Tea"), ("coffee", "Coffee"));
        await OpenPollAsync(poll.Id);
        await using var session = await OpenPageAsync();
        var page = session.Page;
        var votes = new List<(int Status, string? Body, string? Captcha)>();
        page.RequestFinished += async (_, request) =>
        {
            if (request.Url.EndsWith("/votes", StringComparison.Ordinal))
            {
                var response = await request.ResponseAsync();
                lock (votes)
                {
                    votes.Add((response?.Status ?? 0, request.PostData, request.Headers.GetValueOrDefault("x-captcha")));
                }
            }
        };

        await page.GotoAsync($"/vote/{poll.Id}");
        await Ballot.ChooseAndConfirmAsync(page, "Coffee");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your vote is in" })).ToBeVisibleAsync();
        await Expect(page.Locator("#receipt-choice")).ToHaveTextAsync("Coffee");
        lock (votes)
        {
            Assert.Equal([428, 201], votes.Select(v => v.Status));
            Assert.Null(votes[0].Captcha);
            Assert.Equal(votes[0].Body, votes[1].Body);
            using var solution = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(votes[1].Captcha!)));
            Assert.Equal("SHA-256", solution.RootElement.GetProperty("algorithm").GetString());
        }

        var results = await Api.ResultsWhenAsync(Public, poll.Id, r => r.Total >= 1);
        Assert.Equal(1, results.Totals["coffee"]);
    }
}
