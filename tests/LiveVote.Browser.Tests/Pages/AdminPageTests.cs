using System.Net.Http.Json;
using System.Text.RegularExpressions;
using LiveVote.Browser.Tests.Infrastructure;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LiveVote.Browser.Tests.Pages;

public sealed class AdminPageTests(BrowserFixture browser) : PageTestBase(browser)
{
    private async Task<IReadOnlyList<PollDto>> AllPollsAsync() =>
        (await Admin.GetFromJsonAsync("/v1/polls", ContractsJsonContext.Default.PollListDto))!.Polls;

    [Fact]
    public async Task AdminPage_CreateOpenAndClose_ChangeThePollOnTheServer()
    {
        await using var session = await OpenPageAsync(BrowserPage.FullHd);
        var page = session.Page;
        await SignInAsync(page, LiveVoteServer.AdminKey);

        await page.GetByLabel("Question").FillAsync("Best snack?");
        await page.GetByLabel("Answer 1", new() { Exact = true }).FillAsync("Crème brûlée");
        await page.GetByLabel("Answer 2", new() { Exact = true }).FillAsync("Popcorn");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add answer" }).ClickAsync();
        await page.GetByLabel("Answer 3", new() { Exact = true }).FillAsync("Popcorn!");
        await Expect(page.GetByLabel("Id of answer 1")).ToHaveValueAsync("creme-brulee");
        await Expect(page.GetByLabel("Id of answer 3")).ToHaveValueAsync("popcorn-2");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create poll" }).ClickAsync();

        var item = PollItem(page, "Best snack?");
        await Expect(item.Locator(".badge")).ToHaveTextAsync("Draft");
        var created = Assert.Single(await AllPollsAsync());
        Assert.Equal("draft", created.Status);
        Assert.Equal(["creme-brulee", "popcorn", "popcorn-2"], created.Options.Select(o => o.Id));
        Assert.Equal(["Crème brûlée", "Popcorn", "Popcorn!"], created.Options.Select(o => o.Label));

        await page.GetByRole(AriaRole.Button, new() { Name = "Open voting: Best snack?" }).ClickAsync();
        await ConsoleTestKit.ConfirmAsync(page, "Open voting");
        await Expect(item.Locator(".badge")).ToHaveTextAsync("Open");
        Assert.Equal("open", (await GetPollAsync(created.Id)).Status);
        await Expect(item.GetByRole(AriaRole.Link, new() { Name = "Vote page" })).ToHaveAttributeAsync("href", $"/vote/{created.Id}");

        // The live total follows the votes.
        await CastVoteAsync(created.Id, "popcorn");
        await Expect(item.Locator(".live-total")).ToHaveTextAsync("1 vote");

        await page.GetByRole(AriaRole.Button, new() { Name = "Close voting: Best snack?" }).ClickAsync();
        var question = await ConsoleTestKit.Dialog(page).TextContentAsync();
        await ConsoleTestKit.ConfirmAsync(page, "Close voting");
        await Expect(item.Locator(".badge")).ToHaveTextAsync("Closed");
        Assert.Contains("Best snack?", question, StringComparison.Ordinal);
        Assert.Equal("closed", (await GetPollAsync(created.Id)).Status);
        await Expect(item.Locator(".live-total")).ToHaveTextAsync("Final: 1 vote");
        session.AssertNoErrors();
    }

    [Fact]
    public async Task AdminPage_CloseNotConfirmed_LeavesThePollOpen()
    {
        var poll = await CreatePollAsync("Keep me open", ("a", "A"), ("b", "B"));
        await OpenPollAsync(poll.Id);
        await using var session = await OpenPageAsync(BrowserPage.FullHd);
        var page = session.Page;
        var closeRequests = 0;
        page.Request += (_, request) =>
        {
            if (request.Url.EndsWith("/close", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref closeRequests);
            }
        };
        await SignInAsync(page, LiveVoteServer.AdminKey);

        await page.GetByRole(AriaRole.Button, new() { Name = "Close voting: Keep me open" }).ClickAsync();
        await ConsoleTestKit.Dialog(page).GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(ConsoleTestKit.Dialog(page)).ToHaveCountAsync(0);

        // A later action round-trips through the page, so anything the dismissal started has been sent by now.
        await page.GetByRole(AriaRole.Button, new() { Name = "Refresh" }).ClickAsync();
        await Expect(PollItem(page, "Keep me open").Locator(".badge")).ToHaveTextAsync("Open");
        Assert.Equal(0, Volatile.Read(ref closeRequests));
        Assert.Equal("open", (await GetPollAsync(poll.Id)).Status);
        session.AssertNoErrors();
    }

    [Fact]
    public async Task AdminPage_WrongKey_IsRefusedAtSignIn()
    {
        await CreatePollAsync("A secret draft", ("a", "A"), ("b", "B"));
        await using var session = await OpenPageAsync(BrowserPage.FullHd);
        var page = session.Page;

        await SignInAsync(page, "not-the-admin-key");

        await Expect(page.Locator("#admin-key-error")).ToHaveTextAsync("That admin key was not accepted.");
        await Expect(page.GetByLabel("Admin key")).ToBeFocusedAsync();
        await Expect(page.GetByLabel("Question")).ToBeHiddenAsync();
        await Expect(page.GetByText("A secret draft")).ToHaveCountAsync(0);
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('livevote.adminKey')"));
    }

    [Fact]
    public async Task AdminPage_KeyRefusedAfterSigningIn_SignsOutAtOnceAndChangesNothing()
    {
        await using var session = await OpenPageAsync(BrowserPage.FullHd);
        var page = session.Page;
        await SignInAsync(page, LiveVoteServer.AdminKey);
        await Expect(page.GetByLabel("Question")).ToBeVisibleAsync();

        // As if the key had been rotated on the server while the producer was signed in: the live figures ask with it
        // within a second, are refused, and the desk signs out before anything can be sent with the old key.
        await page.EvaluateAsync("() => sessionStorage.setItem('livevote.adminKey', JSON.stringify('an-old-admin-key'))");
        await page.ReloadAsync();

        await Expect(page.Locator("#notice")).ToContainTextAsync("That admin key was not accepted.");
        await Expect(page.GetByLabel("Admin key")).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Question")).ToBeHiddenAsync();
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('livevote.adminKey')"));
        Assert.Empty(await AllPollsAsync());
    }

    [Fact]
    public async Task AdminPage_FormWithoutQuestion_IsNotSentAndSaysWhatIsMissing()
    {
        await using var session = await OpenPageAsync();
        var page = session.Page;
        await SignInAsync(page, LiveVoteServer.AdminKey);
        await page.GetByLabel("Answer 1", new() { Exact = true }).FillAsync("Yes");
        await page.GetByLabel("Answer 2", new() { Exact = true }).FillAsync("No");

        await page.GetByRole(AriaRole.Button, new() { Name = "Create poll" }).ClickAsync();

        await Expect(page.Locator("#poll-title-error")).ToHaveTextAsync("Write the question.");
        await Expect(page.GetByLabel("Question")).ToBeFocusedAsync();
        await Expect(page.GetByLabel("Question")).ToHaveAttributeAsync("aria-invalid", "true");
        Assert.Empty(await AllPollsAsync());
        session.AssertNoErrors();
    }

    [Fact]
    public async Task AdminPage_SignedIn_StaysSignedInAcrossReloadsOfTheTab()
    {
        await CreatePollAsync("A secret draft", ("a", "A"), ("b", "B"));
        await using var session = await OpenPageAsync();
        var page = session.Page;
        await SignInAsync(page, LiveVoteServer.AdminKey);
        await Expect(PollItem(page, "A secret draft").Locator(".badge")).ToHaveTextAsync("Draft");

        await page.ReloadAsync();

        await Expect(PollItem(page, "A secret draft").Locator(".badge")).ToHaveTextAsync("Draft");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.GetByLabel("Admin key")).ToBeVisibleAsync();
        await Expect(page.Locator("#admin-polls > li")).ToHaveCountAsync(0);
        session.AssertNoErrors();
    }
}
