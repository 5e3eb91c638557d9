using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Security.Operators;

/// <summary>
/// Named operators against a real OpenID Connect provider (<see cref="TestOidcProvider"/>, OpenIddict on its own port):
/// the whole authorization code flow as a browser makes it (redirects followed, cookies kept), then the console's
/// changes with the session cookie, audited with the operator's name; what a cookie must not allow (another site's
/// changes); and a server without a provider, where none of it exists.
/// </summary>
public sealed class OperatorSignInTests
{
    [Fact]
    public async Task SignIn_ThroughTheProvider_LetsTheConsoleChangePolls_AndTheAuditNamesTheOperator()
    {
        await using var provider = await TestOidcProvider.StartAsync();
        await using var server = new LiveVoteServer(provider.ServerSettings());
        using var browser = new ConsoleBrowser(server);

        var before = await browser.SessionAsync();
        Assert.False(before.SignedIn);
        Assert.True(before.Oidc);

        await browser.SignInAsync();
        Assert.Equal(1, provider.Authorizations);
        Assert.Equal(1, provider.CodeExchanges);
        var session = await browser.SessionAsync();
        Assert.Equal(new AdminSessionDto(true, TestOidcProvider.OperatorName, "oidc", true), session);

        // The console's presses, with the cookie and no key.
        using var created = await browser.SendAsync(HttpMethod.Post, "/v1/polls",
            JsonContent.Create(new CreatePollRequest("Who wins?", [new("a", "A"), new("b", "B")]), ContractsJsonContext.Default.CreatePollRequest));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var poll = (await created.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PollDto))!;
        foreach (var action in new[] { "open", "results/freeze", "results/release", "close" })
        {
            using var changed = await browser.SendAsync(HttpMethod.Post, $"/v1/polls/{poll.Id}/{action}");
            Assert.True(changed.IsSuccessStatusCode, $"{action}: {(int)changed.StatusCode} {await changed.Content.ReadAsStringAsync()}");
        }

        var changes = (await Api.AuditAsync(server.Client(), poll.Id)).Where(e => e.Kind != "vote").ToList();
        Assert.Equal(["poll-created", "poll-opened", "results-frozen", "results-released", "poll-closed"], changes.Select(e => e.Kind));
        Assert.All(changes, entry => Assert.Equal(TestOidcProvider.OperatorName, OperatorOf(entry)));

        // The definition and the frozen snapshot are still there, the operator after them.
        using (var definition = JsonDocument.Parse(changes[0].Data!))
        {
            Assert.Equal("Who wins?", definition.RootElement.GetProperty("title").GetString());
            Assert.Equal("operator", definition.RootElement.EnumerateObject().Last().Name);
        }

        Assert.StartsWith("{\"totals\":{\"a\":0,\"b\":0},\"operator\":", changes[2].Data, StringComparison.Ordinal);

        // The auditor's tool still verifies a trail that records operators.
        var (exitCode, output) = await AuditVerifyCli.VerifySqliteAsync(server.DatabasePath);
        Assert.True(exitCode == 0, output);
    }

    [Fact]
    public async Task AdminKeyChanges_AreAuditedAsTheAdminKey_AndVerify()
    {
        await using var server = new LiveVoteServer();
        using var admin = server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin, "a", "b");
        (await PresentationApi.FreezeAsync(admin, poll.Id)).EnsureSuccessStatusCode();
        (await Api.ClosePollAsync(admin, poll.Id)).EnsureSuccessStatusCode();

        var changes = (await Api.AuditAsync(server.Client(), poll.Id)).Where(e => e.Kind != "vote").ToList();
        Assert.Equal(["poll-created", "poll-opened", "results-frozen", "poll-closed"], changes.Select(e => e.Kind));
        Assert.All(changes, entry => Assert.Equal("admin-key", OperatorOf(entry)));
        Assert.Equal("{\"operator\":\"admin-key\"}", changes[1].Data);

        var session = (await admin.GetFromJsonAsync("/v1/admin/session", ContractsJsonContext.Default.AdminSessionDto))!;
        Assert.Equal(new AdminSessionDto(true, null, "admin-key", false), session);

        var (exitCode, output) = await AuditVerifyCli.VerifySqliteAsync(server.DatabasePath);
        Assert.True(exitCode == 0, output);
    }

    [Fact]
    public async Task ChangesWithTheSessionCookie_FromAnotherSite_OrFromNowhere_AreRefused()
    {
        await using var provider = await TestOidcProvider.StartAsync();
        await using var server = new LiveVoteServer(provider.ServerSettings());
        using var browser = new ConsoleBrowser(server);
        await browser.SignInAsync();

        // The attacker's page submits to the API: the browser sends the cookie, and says where the request came from.
        var attempts = new (string? Origin, string? FetchSite)[]
        {
            ("https://evil.example", null),
            (null, "cross-site"),
            (null, "same-site"),
            (browser.Origin, "cross-site"),
            (null, null),
        };
        foreach (var (origin, fetchSite) in attempts)
        {
            using var refused = await browser.SendAsync(HttpMethod.Post, "/v1/polls",
                JsonContent.Create(new CreatePollRequest("Forged?", [new("a", "A"), new("b", "B")]), ContractsJsonContext.Default.CreatePollRequest),
                origin, fetchSite);
            await ProblemAssert.IsAsync(refused, HttpStatusCode.Forbidden, ErrorCodes.CrossSiteRequest);
        }

        using var signOut = await browser.SendAsync(HttpMethod.Post, "/admin/sign-out", origin: "https://evil.example");
        await ProblemAssert.IsAsync(signOut, HttpStatusCode.Forbidden, ErrorCodes.CrossSiteRequest);

        // Nothing was created, and the session is still good for the console itself.
        using var admin = server.AdminClient();
        Assert.Empty((await Api.PollsAsync(admin)).Polls);
        using var sameOrigin = await browser.SendAsync(HttpMethod.Post, "/v1/polls",
            JsonContent.Create(new CreatePollRequest("Real?", [new("a", "A"), new("b", "B")]), ContractsJsonContext.Default.CreatePollRequest),
            fetchSite: "same-origin");
        Assert.Equal(HttpStatusCode.Created, sameOrigin.StatusCode);
    }

    [Fact]
    public async Task SignOut_EndsTheSession()
    {
        await using var provider = await TestOidcProvider.StartAsync();
        await using var server = new LiveVoteServer(provider.ServerSettings());
        using var browser = new ConsoleBrowser(server);
        await browser.SignInAsync();
        Assert.True((await browser.SessionAsync()).SignedIn);

        using var signOut = await browser.SendAsync(HttpMethod.Post, "/admin/sign-out");
        Assert.Equal(HttpStatusCode.NoContent, signOut.StatusCode);

        Assert.Equal(new AdminSessionDto(false, null, null, true), await browser.SessionAsync());
        using var refused = await browser.SendAsync(HttpMethod.Post, "/v1/polls",
            JsonContent.Create(new CreatePollRequest("After?", [new("a", "A"), new("b", "B")]), ContractsJsonContext.Default.CreatePollRequest));
        await ProblemAssert.IsAsync(refused, HttpStatusCode.Unauthorized, ErrorCodes.AdminKeyRequired);
    }

    [Fact]
    public async Task WithoutAProvider_TheSignInRoutesAreNotFound_AndACookieOpensNothing()
    {
        await using var server = new LiveVoteServer();
        using var client = server.Client();

        await ProblemAssert.IsAsync(await client.GetAsync("/admin/sign-in"), HttpStatusCode.NotFound, ErrorCodes.NotFound);
        await ProblemAssert.IsAsync(await client.PostAsync("/admin/sign-out", null), HttpStatusCode.NotFound, ErrorCodes.NotFound);
        Assert.Equal(new AdminSessionDto(false, null, null, false),
            await client.GetFromJsonAsync("/v1/admin/session", ContractsJsonContext.Default.AdminSessionDto));

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/polls")
        {
            Content = JsonContent.Create(new CreatePollRequest("Cookie?", [new("a", "A"), new("b", "B")]), ContractsJsonContext.Default.CreatePollRequest),
        };
        request.Headers.Add("Cookie", "livevote-operator=made-up");
        request.Headers.Add("Sec-Fetch-Site", "same-origin");
        await ProblemAssert.IsAsync(await client.SendAsync(request), HttpStatusCode.Unauthorized, ErrorCodes.AdminKeyRequired);
    }

    private static string? OperatorOf(AuditEntryDto entry)
    {
        Assert.NotNull(entry.Data);
        using var data = JsonDocument.Parse(entry.Data);
        return data.RootElement.TryGetProperty("operator", out var name) ? name.GetString() : null;
    }

    /// <summary>
    /// The console's browser, as far as the server can tell: one cookie jar for the server and the provider, redirects
    /// followed, and the console's own changes marked same-origin as a browser marks them.
    /// </summary>
    private sealed class ConsoleBrowser : IDisposable
    {
        private readonly HttpClient _client;

        public ConsoleBrowser(LiveVoteServer server)
        {
            using var plain = server.Client();
            _client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = true })
            {
                BaseAddress = plain.BaseAddress,
            };
            Origin = plain.BaseAddress!.GetLeftPart(UriPartial.Authority);
        }

        public string Origin { get; }

        /// <summary>Follows <c>/admin/sign-in</c> through the provider and back, to the console page.</summary>
        public async Task SignInAsync()
        {
            using var response = await _client.GetAsync("/admin/sign-in");
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} at {response.RequestMessage?.RequestUri}: {body}");
            Assert.Equal("/admin", response.RequestMessage!.RequestUri!.AbsolutePath);
            Assert.Contains("Producer desk", body, StringComparison.Ordinal);
        }

        public async Task<AdminSessionDto> SessionAsync() =>
            (await _client.GetFromJsonAsync("/v1/admin/session", ContractsJsonContext.Default.AdminSessionDto))!;

        /// <summary>A request as the console page sends it (its own Origin), or with the given Origin and Sec-Fetch-Site.</summary>
        public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content = null, string? origin = "", string? fetchSite = null)
        {
            var request = new HttpRequestMessage(method, path) { Content = content };
            if ((origin == "" ? Origin : origin) is { } sent)
            {
                request.Headers.Add("Origin", sent);
            }

            if (fetchSite is not null)
            {
                request.Headers.Add("Sec-Fetch-Site", fetchSite);
            }

            return _client.SendAsync(request);
        }

        public void Dispose() => _client.Dispose();
    }
}
