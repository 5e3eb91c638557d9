using System.Net;
using System.Reflection;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace LiveVote.Server.Tests.Hosting.OpenApi;

/// <summary>
/// The OpenAPI document against the app itself: every route the app maps is described and nothing else, every problem
/// code is listed, and the document is public, cacheable and free of secrets. (Its status codes against the real
/// answers: <see cref="ApiAnswersTests"/>.)
/// </summary>
public sealed class ApiDocumentTests : IAsyncLifetime
{
    /// <summary>
    /// Routes the app maps that the document leaves out on purpose, each with why. The test also checks that each one is
    /// still mapped, so the list cannot hide a route that was renamed.
    /// </summary>
    private static readonly Dictionary<(string Method, string Route), string> Undocumented = new()
    {
        [("GET", "/vote/{pollId}")] = "a page (HTML), not API",
        [("GET", "/v/{code}")] = "a page (HTML), not API",
        [("GET", "/results/{pollId}")] = "a page (HTML), not API",
        [("GET", "/admin")] = "a page (HTML), not API",
        [("GET", "/verify")] = "a page (HTML), not API",
        [("GET", "/admin/sign-in")] = "the console's browser navigation to the operators' OIDC provider, not API",
        [("POST", "/admin/sign-out")] = "ends the console's cookie session (browser), not API",
        [("*", "/metrics")] = "Prometheus text exposition for the scraper, on the management port; not JSON API",
        [("GET", "/openapi/v1.json")] = "the document itself",
        [("GET", "/scalar/{documentName?}")] = "the reference UI (Development only)",
        [("GET", "/scalar/scalar.js")] = "the reference UI's script (Development only)",
        [("GET", "/scalar/scalar.aspnetcore.js")] = "the reference UI's script (Development only)",
        [("GET", "/scalar/favicon.svg")] = "the reference UI's icon (Development only)",
    };

    private LiveVoteServer _server = null!;

    public Task InitializeAsync()
    {
        _server = new LiveVoteServer();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Document_DescribesEveryRouteTheAppMaps_AndNoOther()
    {
        var document = await ApiDocumentFile.ReadAsync(_server.Client());
        var mapped = _server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => (Method: m, Route: Normalize(e.RoutePattern.RawText!))))
            .Where(r => r.Method != "HEAD")
            .ToHashSet();

        var missing = mapped.Where(r => !Undocumented.ContainsKey(r) && !document.Operations.ContainsKey(r)).ToList();
        var extra = document.Operations.Keys.Where(r => !mapped.Contains(r)).ToList();
        var stale = Undocumented.Keys.Where(r => !mapped.Contains(r)).ToList();
        var leaked = Undocumented.Keys.Where(document.Operations.ContainsKey).ToList();

        Assert.True(missing.Count == 0, "mapped but not documented: " + string.Join(", ", missing));
        Assert.True(extra.Count == 0, "documented but not mapped: " + string.Join(", ", extra));
        Assert.True(stale.Count == 0, "listed as undocumented but no longer mapped: " + string.Join(", ", stale));
        Assert.True(leaked.Count == 0, "listed as undocumented but documented: " + string.Join(", ", leaked));
        Assert.True(document.Operations.Count >= 18, $"only {document.Operations.Count} operations");
    }

    [Fact]
    public async Task Document_ListsEveryProblemCodeTheServerHas()
    {
        var document = await ApiDocumentFile.ReadAsync(_server.Client());

        // The catalogue is ErrorCodes (Contracts): every constant there is a code some answer carries.
        var catalogue = typeof(ErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToList();

        Assert.NotEmpty(catalogue);
        Assert.All(catalogue, code => Assert.Contains(code, document.ProblemCodes));
        Assert.Equal(catalogue.Count, document.ProblemCodes.Count);
    }

    [Fact]
    public async Task Document_IsServedPublicly_Cacheable_WithoutASecretOrAHost()
    {
        var response = await _server.Client().GetAsync(ApiDocumentFile.Path);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl is { Public: true, MaxAge.TotalSeconds: > 0 }, $"Cache-Control: {response.Headers.CacheControl}");
        Assert.DoesNotContain(LiveVoteServer.AdminKey, body, StringComparison.Ordinal);
        Assert.DoesNotContain(LiveVoteServer.TokenSigningKey, body, StringComparison.Ordinal);
        Assert.DoesNotContain(LiveVoteServer.VoterKeySecret, body, StringComparison.Ordinal);
        Assert.DoesNotContain(LiveVoteServer.CaptchaHmacKey, body, StringComparison.Ordinal);
        Assert.Contains("\"X-Admin-Key\"", body, StringComparison.Ordinal);

        // A publicly cached document must not name the host of whichever request built it.
        Assert.DoesNotContain("127.0.0.1", body, StringComparison.Ordinal);
        Assert.DoesNotContain("localhost", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/openapi/v2.json")]
    [InlineData("/openapi/openapi.json")]
    public async Task AnotherDocumentName_IsTheUsualProblemNotFound(string path)
    {
        var response = await _server.Client().GetAsync(path);

        await ProblemAssert.IsAsync(response, HttpStatusCode.NotFound, ErrorCodes.NotFound);
    }

    [Fact]
    public async Task TheDocumentName_CannotBeChosenByQuery()
    {
        var response = await _server.Client().GetAsync(ApiDocumentFile.Path + "?documentName=other");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"openapi\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReferenceUi_InDevelopment_IsServedUnderItsOwnPolicy_WhileThePagesKeepTheStrictOne()
    {
        var client = _server.Client();

        var ui = await client.GetAsync("/scalar/");
        var page = await client.GetAsync("/admin");

        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
        Assert.Equal("text/html", ui.Content.Headers.ContentType?.MediaType);
        Assert.Contains("script-src 'self' 'unsafe-inline'", ui.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        var script = await client.GetAsync("/scalar/scalar.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Contains("script-src 'self' 'unsafe-inline'", script.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.DoesNotContain("unsafe-inline", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReferenceUi_OutsideDevelopment_IsNotServed_WhileTheDocumentIs()
    {
        await using var production = new LiveVoteServer(new() { ["environment"] = "Production" });
        var client = production.Client();

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/scalar/")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(ApiDocumentFile.Path)).StatusCode);
    }

    private static string Normalize(string route) => route.Length > 1 ? route.TrimEnd('/') : route;
}
