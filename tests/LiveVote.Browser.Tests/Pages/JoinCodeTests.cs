using LiveVote.Browser.Tests.Infrastructure;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Playwright;
using static LiveVote.Browser.Tests.Infrastructure.AccessibilityCheck;

namespace LiveVote.Browser.Tests.Pages;

/// <summary>
/// The join code shown on screen: typed on the home page (any case, spaces and dashes forgiven), it leads to
/// <c>/v/{code}</c>, where the vote page finds the poll with <c>GET /v1/codes/{code}</c>.
/// </summary>
public sealed class JoinCodeTests(BrowserFixture browser) : PageTestBase(browser)
{
    public static TheoryData<string> Sizes() => ["phone", "1080p"];

    private static ViewportSize SizeOf(string name) => name == "phone" ? BrowserPage.Phone : BrowserPage.FullHd;

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task HomePage_CodeFromTheScreen_LeadsToThatPollsBallot_AndTheVoteCounts(string size)
    {
        var poll = await CreatePollAsync("Who sang it best?", ("ana", "Ana"), ("bea", "Bea"));
        await OpenPollAsync(poll.Id);
        await using var session = await OpenPageAsync(SizeOf(size));
        var page = session.Page;
        var code = poll.Code!; // every new poll gets one
        await page.GotoAsync("/");
        await AssertNoSeriousViolationsAsync(page, $"home page with the code field ({size})");

        // As people type it: lower case, split in two by a space.
        await page.GetByLabel("Enter the code from your screen").FillAsync($"{code[..3].ToLowerInvariant()} {code[3..].ToLowerInvariant()}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Go to the vote" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Uri(BaseAddress, $"/v/{code}").ToString());
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Who sang it best?", Level = 1 })).ToBeVisibleAsync();
        await Ballot.ChooseAndConfirmAsync(page, "Bea");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your vote is in" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Check your receipt" }))
            .ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex($"^/verify\\?poll={poll.Id}&"));
        Assert.Equal(1, (await Api.ResultsWhenAsync(Public, poll.Id, r => r.Total >= 1)).Totals["bea"]);
        session.AssertNoErrors();
    }

    [Fact]
    public async Task VotePage_UnknownCode_SaysNoPollWithThatCode()
    {
        await using var session = await OpenPageAsync();
        var page = session.Page;

        await page.GotoAsync("/v/ZZZZ99");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "No poll with that code", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.Locator("#notice")).ToContainTextAsync("There is no poll with the code ZZZZ99.");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Enter the code again" })).ToHaveAttributeAsync("href", "/");
        await Expect(page.Locator("#ballot")).ToBeHiddenAsync();
        await AssertNoSeriousViolationsAsync(page, "vote page, unknown code");
    }

    [Fact]
    public async Task VotePage_CodeTypedInTheAddressInLowerCase_FindsThePoll_ButADraftsCodeIsUnknown()
    {
        var open = await CreatePollAsync("Open now?", ("y", "Yes"), ("n", "No"));
        await OpenPollAsync(open.Id);
        var draft = await CreatePollAsync("Not yet on air?", ("y", "Yes"), ("n", "No"));
        await using var session = await OpenPageAsync();
        var page = session.Page;

        await page.GotoAsync($"/v/{open.Code!.ToLowerInvariant()}");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Open now?", Level = 1 })).ToBeVisibleAsync();
        await Expect(Ballot.Choice(page, "Yes")).ToBeVisibleAsync();

        await page.GotoAsync($"/v/{draft.Code}");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "No poll with that code", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByText("Not yet on air?")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task VotePage_UnknownCode_InSpanish()
    {
        await using var session = await BrowserPage.OpenAsync(Browser, BaseAddress, BrowserPage.Phone, "es-ES");
        var page = session.Page;

        await page.GotoAsync("/v/ZZZZ99");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "No hay ninguna encuesta con ese código", Level = 1 })).ToBeVisibleAsync();
        await AssertNoSeriousViolationsAsync(page, "vote page, unknown code, Spanish");
    }

    [Fact]
    public async Task HomePage_MalformedCode_SaysWhatACodeIs_AndStays()
    {
        await using var session = await OpenPageAsync();
        var page = session.Page;
        await page.GotoAsync("/");
        var field = page.GetByLabel("Enter the code from your screen");

        await field.FillAsync("A1!");
        await page.GetByRole(AriaRole.Button, new() { Name = "Go to the vote" }).ClickAsync();

        await Expect(page.Locator("#join-code-error")).ToHaveTextAsync("A code is 4 to 12 letters and numbers. Check the code on your screen.");
        await Expect(field).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(field).ToBeFocusedAsync();
        await Expect(page).ToHaveURLAsync(new Uri(BaseAddress, "/").ToString());
        await AssertNoSeriousViolationsAsync(page, "home page, malformed code");
        session.AssertNoErrors();
    }
}
