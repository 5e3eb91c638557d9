using LiveVote.Browser.Tests.Infrastructure;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Playwright;

namespace LiveVote.Browser.Tests.Pages;

/// <summary>
/// "Final" only when the result is signed: a close whose reconciliation gate fails (a tally changed in the database
/// behind the writer's back) leaves the on-air graphic saying the result is not final and the desk saying why; once
/// the database is fixed and the producer presses "Sign result", the graphic says "Final result".
/// </summary>
public sealed class FinalResultTests(BrowserFixture browser) : PageTestBase(browser)
{
    [Fact]
    public async Task OnAirGraphic_SaysFinalOnlyOnceTheResultIsSigned_AndTheDeskSaysWhyItWasRefused()
    {
        var poll = await CreatePollAsync("Song of the night?", ("alpha", "Alpha"), ("beta", "Beta"));
        await OpenPollAsync(poll.Id);
        await CastVoteAsync(poll.Id, "alpha");
        await CastVoteAsync(poll.Id, "alpha");
        await CastVoteAsync(poll.Id, "beta");
        await using var onAir = await OpenPageAsync(BrowserPage.FullHd);
        await onAir.Page.GotoAsync($"/results/{poll.Id}?transparent=1");
        await Expect(onAir.Page.Locator("#total")).ToHaveTextAsync("3 votes");
        Execute($"UPDATE tallies SET count = count + 4 WHERE poll_id = '{poll.Id}' AND option_id = 'beta'");

        await ClosePollAsync(poll.Id);

        await Expect(onAir.Page.Locator("#state")).ToHaveTextAsync("Voting closed · Result not final yet");
        await Expect(onAir.Page.Locator("#announcer")).ToHaveTextAsync("Voting closed. The result is not final yet.");
        await Expect(onAir.Page.Locator("main")).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bis-final\b"));
        Assert.DoesNotContain("Final", await onAir.Page.Locator("#main").InnerTextAsync(), StringComparison.Ordinal);

        await using var desk = await OpenPageAsync(BrowserPage.FullHd);
        await SignInAsync(desk.Page);
        var item = PollItem(desk.Page, "Song of the night?");
        await Expect(item.Locator(".result-status-name")).ToHaveTextAsync("Result refused: not final");
        await Expect(item.Locator(".result-problem")).ToContainTextAsync("partition 0, option 'beta': 1 vote rows, tally 5, 1 vote audit entries");
        await Expect(item.Locator(".live-total")).ToHaveTextAsync("Counted, not final: 3 votes");

        // Pressed before the fix: still refused, and the graphic still not final.
        await item.GetByRole(AriaRole.Button, new() { Name = "Sign result: Song of the night?" }).ClickAsync();
        await Expect(desk.Page.Locator("#notice")).ToContainTextAsync("is not final");
        await Expect(onAir.Page.Locator("#state")).ToHaveTextAsync("Voting closed · Result not final yet");

        Execute($"UPDATE tallies SET count = 1 WHERE poll_id = '{poll.Id}' AND option_id = 'beta'");
        await item.GetByRole(AriaRole.Button, new() { Name = "Sign result: Song of the night?" }).ClickAsync();

        await Expect(item.Locator(".result-status-name")).ToHaveTextAsync("Result signed: final");
        await Expect(item.Locator(".live-total")).ToHaveTextAsync("Final: 3 votes");
        await Expect(item.GetByRole(AriaRole.Button, new() { Name = "Sign result: Song of the night?" })).ToHaveCountAsync(0);
        await Expect(onAir.Page.Locator("#state")).ToHaveTextAsync("Voting closed · Final result");
        await Expect(onAir.Page.Locator("#announcer")).ToHaveTextAsync("Voting closed. Winner: Alpha.");
        onAir.AssertNoErrors();
        desk.AssertNoErrors();
    }

    /// <summary>A change made in the server's SQLite file behind its writer's back.</summary>
    private void Execute(string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Server.DatabasePath, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        Assert.Equal(1, command.ExecuteNonQuery());
    }
}
