using LiveVote.Browser.Tests.Infrastructure;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LiveVote.Browser.Tests.Pages;

/// <summary>
/// Every page at phone size and at 1080p, with realistic data, saved to docs/screenshots for people to look at. Each page
/// must also run without a console error.
/// </summary>
public sealed class ScreenshotTests(BrowserFixture browser) : PageTestBase(browser)
{
    private static readonly (string Name, ViewportSize Size)[] Viewports = [("phone", BrowserPage.Phone), ("1080p", BrowserPage.FullHd)];

    private async Task<(string Live, string Closed)> StageShowAsync()
    {
        var live = await CreatePollAsync("Who should win tonight's final?", showResultsToViewers: true,
            ("aurora", "Team Aurora"), ("borealis", "Team Borealis"), ("cosmos", "Team Cosmos"), ("dynamo", "Team Dynamo"));
        await OpenPollAsync(live.Id);
        foreach (var (option, count) in new[] { ("aurora", 9), ("borealis", 14), ("cosmos", 5), ("dynamo", 3) })
        {
            for (var i = 0; i < count; i++)
            {
                await CastVoteAsync(live.Id, option);
            }
        }

        var closed = await CreatePollAsync("Best performance of the night?", ("duet", "The opening duet"), ("solo", "The piano solo"), ("finale", "The big finale"));
        await OpenPollAsync(closed.Id);
        foreach (var (option, count) in new[] { ("duet", 4), ("solo", 2), ("finale", 7) })
        {
            for (var i = 0; i < count; i++)
            {
                await CastVoteAsync(closed.Id, option);
            }
        }

        await ClosePollAsync(closed.Id);
        await CreatePollAsync("Next week's theme?", ("movies", "Movie night"), ("eighties", "Back to the 80s"));
        await Api.ResultsWhenAsync(Public, live.Id, r => r.Total == 31);
        return (live.Id, closed.Id);
    }

    private static async Task ShootAsync(BrowserPage session, string fileName, bool fullPage = true, bool omitBackground = false)
    {
        await session.Page.ScreenshotAsync(new PageScreenshotOptions
        {
            Path = Screenshots.FreshPathFor(fileName),
            FullPage = fullPage,
            OmitBackground = omitBackground,
            Animations = ScreenshotAnimations.Disabled,
        });
        Assert.True(new FileInfo(Screenshots.PathFor(fileName)).Length > 0);
    }

    [Fact]
    public async Task Screenshots_OfEveryPage_AtPhoneAnd1080p_RenderWithoutErrors()
    {
        var (live, closed) = await StageShowAsync();

        foreach (var (name, size) in Viewports)
        {
            await using (var session = await OpenPageAsync(size))
            {
                await session.Page.GotoAsync("/");
                await Expect(session.Page.GetByRole(AriaRole.Link, new() { Name = "Final results: Best performance of the night?" })).ToBeVisibleAsync();
                await ShootAsync(session, $"home-{name}.png");
                session.AssertNoErrors();
            }

            await using (var session = await OpenPageAsync(size))
            {
                var page = session.Page;
                await page.GotoAsync($"/vote/{live}");
                await Expect(Ballot.Choice(page, "Team Cosmos")).ToBeVisibleAsync();
                await ShootAsync(session, $"vote-{name}.png");
                await Ballot.ChooseAndConfirmAsync(page, "Team Cosmos");
                await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your vote is in" })).ToBeVisibleAsync();
                await Expect(page.Locator("#live-total")).Not.ToBeEmptyAsync();
                await ShootAsync(session, $"vote-receipt-{name}.png");
                session.AssertNoErrors();
            }

            await using (var session = await OpenPageAsync(size))
            {
                var page = session.Page;
                await page.GotoAsync($"/results/{live}");
                await Expect(page.Locator("#board [data-option-id='borealis'] .bar-count")).Not.ToHaveTextAsync("0 votes");
                await ShootAsync(session, $"results-{name}.png", fullPage: false);
                await page.GotoAsync($"/results/{closed}");
                await Expect(page.Locator("#state")).ToHaveTextAsync("Voting closed · Final result");
                await ShootAsync(session, $"results-closed-{name}.png", fullPage: false);
                session.AssertNoErrors();
            }

            await using (var session = await OpenPageAsync(size))
            {
                var page = session.Page;
                await page.GotoAsync("/admin");
                await Expect(page.GetByLabel("Admin key")).ToBeVisibleAsync();
                await ShootAsync(session, $"admin-login-{name}.png");
                await page.GetByLabel("Admin key").FillAsync(LiveVoteServer.AdminKey);
                await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
                await page.GetByLabel("Question").FillAsync("Who sang it best?");
                await page.GetByLabel("Answer 1", new() { Exact = true }).FillAsync("The original");
                await page.GetByLabel("Answer 2", new() { Exact = true }).FillAsync("Tonight's cover");
                await Expect(page.Locator("#admin-polls .live-total").First).Not.ToHaveTextAsync("…");
                await page.GetByRole(AriaRole.Heading, new() { Name = "Polls", Exact = true }).ClickAsync();
                await ShootAsync(session, $"admin-{name}.png");

                // Voting in full swing with the on-air graphic frozen: the figures, the chart and the frozen poll.
                (await PresentationApi.FreezeAsync(Admin, live)).EnsureSuccessStatusCode();
                await page.ReloadAsync();
                for (var burst = 0; burst < 4; burst++)
                {
                    for (var i = 0; i <= burst * 2; i++)
                    {
                        await CastVoteAsync(live, i % 3 == 0 ? "aurora" : "borealis");
                    }

                    await Task.Delay(700);
                }

                var chart = page.Locator("#votes-chart svg");
                await Expect(chart).Not.ToHaveAttributeAsync("data-peak", "0");
                await Expect(PollItem(page, "Who should win tonight's final?").Locator(".on-air")).ToContainTextAsync("frozen at");
                await page.GetByRole(AriaRole.Heading, new() { Name = "Polls", Exact = true }).ClickAsync();
                await ShootAsync(session, $"admin-live-{name}.png");
                (await PresentationApi.ReleaseAsync(Admin, live)).EnsureSuccessStatusCode();
                session.AssertNoErrors();
            }
        }

        // The most a poll can hold still fits one 1080p screen, without scrolling.
        var names = new[] { "Amara", "Bjorn", "Chiara", "Dmitri", "Elif", "Farah", "Goran", "Hana", "Ines", "Jonas",
            "Kenji", "Lucia", "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tomasz" };
        var crowded = await CreatePollAsync("Fan favourite of the season?", [.. names.Select(n => (n.ToLowerInvariant(), $"{n} from the blue team"))]);
        await OpenPollAsync(crowded.Id);
        for (var i = 0; i < names.Length; i += 3)
        {
            await CastVoteAsync(crowded.Id, names[i].ToLowerInvariant());
        }

        await using (var session = await OpenPageAsync(BrowserPage.FullHd))
        {
            await session.Page.GotoAsync($"/results/{crowded.Id}");
            await Expect(session.Page.Locator("#total")).ToHaveTextAsync("7 votes");
            await ShootAsync(session, "results-20-answers-1080p.png", fullPage: false);
            Assert.True(await session.Page.EvaluateAsync<bool>("() => document.documentElement.scrollHeight <= window.innerHeight"),
                "20 answers should fit on one 1080p screen.");
            session.AssertNoErrors();
        }

        // The overlay as a vision mixer keys it: only the panel, over a transparent background.
        await using (var session = await OpenPageAsync(BrowserPage.FullHd))
        {
            await session.Page.GotoAsync($"/results/{live}?transparent=1");
            await Expect(session.Page.Locator("#board [data-option-id='borealis'] .bar-count")).Not.ToHaveTextAsync("0 votes");
            await ShootAsync(session, "results-transparent-1080p.png", fullPage: false, omitBackground: true);
            session.AssertNoErrors();
        }
    }
}
