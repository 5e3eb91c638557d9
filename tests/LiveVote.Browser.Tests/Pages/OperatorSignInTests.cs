using LiveVote.Browser.Tests.Infrastructure;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LiveVote.Browser.Tests.Pages;

/// <summary>
/// The console's sign-in through the broadcaster's OIDC provider, in Chromium, against a real provider
/// (<see cref="TestOidcProvider"/>, which approves its test operator at once): the button, the round trip, the desk
/// without a key, a change audited with the operator's name, and sign-out.
/// </summary>
public sealed class OperatorSignInTests : PageTestBase
{
    private readonly TestOidcProvider _provider;

    public OperatorSignInTests(BrowserFixture browser)
        : this(browser, TestOidcProvider.Start())
    {
    }

    private OperatorSignInTests(BrowserFixture browser, TestOidcProvider provider)
        : base(browser, provider.ServerSettings()) => _provider = provider;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _provider.DisposeAsync();
    }

    [Fact]
    public async Task SignInWithTheBroadcasterAccount_OpensTheDeskAsTheOperator_AndTheirPressIsAudited()
    {
        await using var session = await OpenPageAsync(BrowserPage.FullHd);
        var page = session.Page;
        await page.GotoAsync("/admin");

        var signIn = page.GetByRole(AriaRole.Link, new() { Name = "Sign in with your broadcaster account" });
        await Expect(signIn).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Admin key")).ToBeVisibleAsync();
        await AccessibilityCheck.AssertNoSeriousViolationsAsync(page, "sign-in card with the provider");

        await signIn.ClickAsync();
        await Expect(page.GetByText($"Signed in as {TestOidcProvider.OperatorName}")).ToBeVisibleAsync();
        Assert.Equal(1, _provider.Authorizations);
        Assert.EndsWith("/admin", new Uri(page.Url).AbsolutePath, StringComparison.Ordinal);
        await Expect(page.Locator("#login")).ToBeHiddenAsync();
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('livevote.adminKey')"));
        await AccessibilityCheck.AssertNoSeriousViolationsAsync(page, "desk of a signed-in operator");

        // A press on the desk goes with the session (no key) and the audit names who pressed.
        var poll = await CreatePollAsync("Best snack?", ("crisps", "Crisps"), ("popcorn", "Popcorn"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Refresh" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Open voting: Best snack?" }).ClickAsync();
        await ConsoleTestKit.ConfirmAsync(page, "Open voting");
        await Expect(PollItem(page, "Best snack?").Locator(".badge")).ToHaveTextAsync("Open");
        var opened = Assert.Single(await Api.AuditAsync(Public, poll.Id), e => e.Kind == "poll-opened");
        Assert.Equal($"{{\"operator\":\"{TestOidcProvider.OperatorName}\"}}", opened.Data);

        // Signing out ends the session on the server too: after a reload the desk stays closed.
        var signedOut = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync(), r => r.Url.EndsWith("/admin/sign-out", StringComparison.Ordinal));
        Assert.Equal(204, signedOut.Status);
        await Expect(signIn).ToBeVisibleAsync();
        await page.ReloadAsync();
        await Expect(signIn).ToBeVisibleAsync();
        await Expect(page.Locator("#desk")).ToBeHiddenAsync();
        session.AssertNoErrors();
    }
}
