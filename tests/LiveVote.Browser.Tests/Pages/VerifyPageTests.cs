using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using LiveVote.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using static LiveVote.Browser.Tests.Infrastructure.AccessibilityCheck;

namespace LiveVote.Browser.Tests.Pages;

/// <summary>
/// /verify end to end: a viewer votes, follows the vote page's link and the page checks the real receipt against the
/// server's inclusion proof, signed checkpoint and published key; a forged receipt, a proof changed on the way (route
/// interception) and a key list with another key are each rejected with the reason shown; "not yet signed" is asked
/// again as Retry-After says.
/// </summary>
public sealed class VerifyPageTests(BrowserFixture browser) : PageTestBase(browser)
{
    public static TheoryData<string> Sizes() => ["phone", "1080p"];

    private static ViewportSize SizeOf(string name) => name == "phone" ? BrowserPage.Phone : BrowserPage.FullHd;

    private static ILocator Field(IPage page, string label) => page.GetByRole(AriaRole.Textbox, new() { Name = label, Exact = true });

    private static ILocator Verdict(IPage page) => page.Locator("#verdict");

    private static ILocator Step(IPage page, string id) => page.Locator($"#steps [data-step='{id}']");

    /// <summary>An open poll with a few votes already in its log, so the viewer's proof has several hashes.</summary>
    private async Task<string> OpenPollWithVotesAsync()
    {
        var poll = await CreatePollAsync("Who should win tonight?", ("aurora", "Team Aurora"), ("borealis", "Team Borealis"));
        await OpenPollAsync(poll.Id);
        foreach (var option in new[] { "aurora", "borealis", "aurora", "borealis", "aurora" })
        {
            await CastVoteAsync(poll.Id, option);
        }

        return poll.Id;
    }

    /// <summary>Votes on the vote page as a viewer does and returns the address the page's "Check your receipt" link has.</summary>
    private static async Task<string> VoteAndGetVerifyLinkAsync(IPage page, string pollId, string label)
    {
        await page.GotoAsync($"/vote/{pollId}");
        await Ballot.ChooseAndConfirmAsync(page, label);
        var link = page.GetByRole(AriaRole.Link, new() { Name = "Check your receipt" });
        await Expect(link).ToBeVisibleAsync();
        var href = (await link.GetAttributeAsync("href"))!;
        await WhenSignedAsync(page, href);
        return href;
    }

    /// <summary>
    /// Waits until a signed head covers the vote (about a second): the page would wait too, but the browser logs every
    /// "not yet signed" 404 as a console error, and these tests assert a clean console.
    /// </summary>
    private static async Task WhenSignedAsync(IPage page, string href)
    {
        var query = System.Web.HttpUtility.ParseQueryString(href[href.IndexOf('?', StringComparison.Ordinal)..]);
        var url = $"/v1/polls/{query["poll"]}/audit/proof/inclusion?log={query["log"]}&leaf={query["leaf"]}";
        for (var attempt = 0; ; attempt++)
        {
            var response = await page.APIRequest.GetAsync(url);
            if (response.Status == 200 || attempt == 60)
            {
                Assert.Equal(200, response.Status);
                return;
            }

            await Task.Delay(500);
        }
    }

    private static string Flip(string hex) => (hex[0] == '0' ? "1" : "0") + hex[1..];

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task RealReceipt_FromTheVotePagesLink_IsConfirmedWithWhatItProves(string size)
    {
        var pollId = await OpenPollWithVotesAsync();
        await using var session = await OpenPageAsync(SizeOf(size));
        var page = session.Page;

        var href = await VoteAndGetVerifyLinkAsync(page, pollId, "Team Borealis");
        var receipt = await page.Locator("#receipt-hash").TextContentAsync();
        Assert.Matches("^/verify\\?poll=.+&log=0\\.0&leaf=\\d+&receipt=[0-9a-f]{64}$", href);
        Assert.Contains($"receipt={receipt}", href, StringComparison.Ordinal);
        await Expect(page.Locator("#receipt-place")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^log 0\\.0, entry \\d+$"));
        await page.GetByRole(AriaRole.Link, new() { Name = "Check your receipt" }).ClickAsync();

        await Expect(Verdict(page)).ToHaveTextAsync("Your vote is in the signed log");
        await Expect(page.Locator("#report")).ToHaveAttributeAsync("data-result", "verified");
        foreach (var step in new[] { "entry", "inclusion", "checkpoint", "signature" })
        {
            await Expect(Step(page, step)).ToHaveAttributeAsync("data-state", "passed");
        }

        await Expect(page.Locator("#verdict-detail")).ToContainTextAsync("a vote for “Team Borealis”");
        await Expect(page.Locator("#proved")).ToContainTextAsync("signed");
        await Expect(page.Locator("#not-proved")).ToContainTextAsync("That the signing key is the broadcaster’s");
        await Expect(Field(page, "Receipt")).ToHaveValueAsync(receipt!);
        await AssertNoSeriousViolationsAsync(page, "verify page, receipt confirmed");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshots.FreshPathFor($"verify-{size}.png"), FullPage = true, Animations = ScreenshotAnimations.Disabled });
        session.AssertNoErrors();
    }

    [Fact]
    public async Task PastedReceiptLine_FillsTheFormAndIsConfirmed_AndAnEmptyFormSaysWhatIsMissing()
    {
        var pollId = await OpenPollWithVotesAsync();
        await using var session = await OpenPageAsync();
        var page = session.Page;
        var href = await VoteAndGetVerifyLinkAsync(page, pollId, "Team Aurora");
        var query = System.Web.HttpUtility.ParseQueryString(new Uri(BaseAddress, href).Query);

        await page.GotoAsync("/verify");
        await Field(page, "Log").FillAsync("");
        await page.GetByRole(AriaRole.Button, new() { Name = "Check receipt" }).ClickAsync();
        await Expect(page.Locator("#receipt-error")).ToHaveTextAsync("A receipt is 64 characters, 0-9 and a-f.");
        await Expect(Field(page, "Receipt")).ToBeFocusedAsync();
        await Expect(page.Locator("#poll-error")).ToHaveTextAsync("Enter the poll the vote was in.");
        await Expect(page.Locator("#report")).ToBeHiddenAsync();
        await AssertNoSeriousViolationsAsync(page, "verify page, form with errors");

        var line = new JsonObject { ["poll"] = query["poll"], ["log"] = query["log"], ["leaf"] = long.Parse(query["leaf"]!, System.Globalization.CultureInfo.InvariantCulture), ["receipt"] = query["receipt"] };
        await Field(page, "Receipt").FillAsync(line.ToJsonString());
        await Expect(Field(page, "Receipt")).ToHaveValueAsync(query["receipt"]!);
        await Expect(Field(page, "Poll")).ToHaveValueAsync(query["poll"]!);
        await Expect(Field(page, "Entry number")).ToHaveValueAsync(query["leaf"]!);
        await page.GetByRole(AriaRole.Button, new() { Name = "Check receipt" }).ClickAsync();

        await Expect(Verdict(page)).ToHaveTextAsync("Your vote is in the signed log");
        await Expect(page.Locator("#verdict-detail")).ToContainTextAsync("a vote for “Team Aurora”");
        session.AssertNoErrors();
    }

    [Fact]
    public async Task NotYetSigned_IsAskedAgainAsRetryAfterSays_ThenConfirmed()
    {
        var pollId = await OpenPollWithVotesAsync();
        await using var session = await OpenPageAsync();
        var page = session.Page;
        var href = await VoteAndGetVerifyLinkAsync(page, pollId, "Team Aurora");
        var asked = 0;
        await page.RouteAsync("**/audit/proof/inclusion**", async route =>
        {
            if (Interlocked.Increment(ref asked) == 1)
            {
                await route.FulfillAsync(new()
                {
                    Status = 404,
                    ContentType = "application/problem+json",
                    Headers = new Dictionary<string, string> { ["Retry-After"] = "1" },
                    Body = """{"title":"Not yet signed","status":404,"code":"not-yet-signed"}""",
                });
                return;
            }

            await route.ContinueAsync();
        });

        await page.GotoAsync(href);

        await Expect(Verdict(page)).ToHaveTextAsync("Your vote is in the signed log");
        Assert.Equal(2, asked);
        // The browser reports the 404 it was given; nothing else went wrong.
        Assert.All(session.Errors, e => Assert.Contains("404", e, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ForgedReceipt_IsRejectedAtTheEntryWithTheReason()
    {
        var pollId = await OpenPollWithVotesAsync();
        await using var session = await OpenPageAsync();
        var page = session.Page;
        var href = await VoteAndGetVerifyLinkAsync(page, pollId, "Team Aurora");
        var receipt = (await page.Locator("#receipt-hash").TextContentAsync())!;

        await page.GotoAsync(href.Replace(receipt, Flip(receipt), StringComparison.Ordinal));

        await Expect(Verdict(page)).ToHaveTextAsync("This receipt could not be confirmed");
        await Expect(page.Locator("#report")).ToHaveAttributeAsync("data-result", "rejected");
        await Expect(Step(page, "entry")).ToHaveAttributeAsync("data-state", "failed");
        await Expect(Step(page, "entry")).ToContainTextAsync("does not have this receipt");
        await Expect(Step(page, "signature")).ToHaveAttributeAsync("data-state", "skipped");
        await Expect(page.Locator("#proved-block")).ToBeHiddenAsync();
        // The reason quotes a whole hash: on a phone it wraps instead of widening the page.
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"));
        await AssertNoSeriousViolationsAsync(page, "verify page, receipt rejected");
        session.AssertNoErrors();
    }

    [Fact]
    public async Task ProofChangedOnTheWay_IsRejectedAtTheInclusionProofWithTheReason()
    {
        var pollId = await OpenPollWithVotesAsync();
        await using var session = await OpenPageAsync();
        var page = session.Page;
        var href = await VoteAndGetVerifyLinkAsync(page, pollId, "Team Aurora");
        var tampered = 0;
        await page.RouteAsync("**/audit/proof/inclusion**", async route =>
        {
            var response = await route.FetchAsync();
            if (response.Status != 200)
            {
                // "Not yet signed": the page asks again, and that answer is the one to change.
                await route.FulfillAsync(new() { Response = response });
                return;
            }

            var body = JsonNode.Parse(await response.TextAsync())!;
            var proof = body["proof"]!.AsArray();
            proof[0] = Flip(proof[0]!.GetValue<string>());
            Interlocked.Increment(ref tampered);
            await route.FulfillAsync(new() { Response = response, Body = body.ToJsonString() });
        });

        await page.GotoAsync(href);

        await Expect(Verdict(page)).ToHaveTextAsync("This receipt could not be confirmed");
        await Expect(Step(page, "entry")).ToHaveAttributeAsync("data-state", "passed");
        await Expect(Step(page, "inclusion")).ToHaveAttributeAsync("data-state", "failed");
        await Expect(Step(page, "inclusion")).ToContainTextAsync("does not lead to the log's root");
        Assert.True(tampered > 0);
        session.AssertNoErrors();
    }

    [Fact]
    public async Task KeyListWithAnotherKey_IsRejectedAtTheSignatureWithTheReason()
    {
        var pollId = await OpenPollWithVotesAsync();
        await using var session = await OpenPageAsync();
        var page = session.Page;
        var href = await VoteAndGetVerifyLinkAsync(page, pollId, "Team Aurora");
        // A real Ed25519 public key that is not the server's (the Go sumdb/note example's), published under the server's
        // key name with the id that name and key give: a well-formed list that simply names another key.
        var otherKey = Convert.FromBase64String("ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")[1..];
        await page.RouteAsync("**/.well-known/livevote/audit-keys", async route =>
        {
            var response = await route.FetchAsync();
            var body = JsonNode.Parse(await response.TextAsync())!;
            foreach (var key in body["keys"]!.AsArray())
            {
                var name = key!["name"]!.GetValue<string>();
                key["publicKey"] = Convert.ToBase64String(otherKey);
                key["keyId"] = KeyIdHex(name, otherKey);
            }

            await route.FulfillAsync(new() { Response = response, Body = body.ToJsonString() });
        });

        await page.GotoAsync(href);

        await Expect(Verdict(page)).ToHaveTextAsync("This receipt could not be confirmed");
        await Expect(Step(page, "checkpoint")).ToHaveAttributeAsync("data-state", "passed");
        await Expect(Step(page, "signature")).ToHaveAttributeAsync("data-state", "failed");
        await Expect(Step(page, "signature")).ToContainTextAsync("not signed by any published key");
        session.AssertNoErrors();
    }

    /// <summary>signed-note key id: the first 4 bytes of SHA-256(name || "\n" || 0x01 || key), as 8 lower-case hex digits.</summary>
    private static string KeyIdHex(string name, byte[] publicKey)
    {
        var hash = SHA256.HashData([.. Encoding.UTF8.GetBytes(name), 0x0A, 0x01, .. publicKey]);
        return Convert.ToHexStringLower(hash.AsSpan(0, 4));
    }
}
