using System.Net;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Hosting;

/// <summary>Every response carries the security headers; pages get a strict CSP; framing follows configuration.</summary>
public sealed class SecurityHeadersTests
{
    [Theory]
    [InlineData("/vote/demo")]
    [InlineData("/admin")]
    [InlineData("/")]
    public async Task Pages_HaveAStrictContentSecurityPolicy_AndAreNeverFramed(string path)
    {
        await using var server = new LiveVoteServer();

        var response = await server.Client().GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var csp = Directives(response);
        Assert.Equal("'self'", csp["default-src"]);
        Assert.Equal("'self'", csp["script-src"]);
        Assert.Equal("'self'", csp["style-src"]);
        Assert.Equal("'self'", csp["connect-src"]);
        Assert.Equal("'self' data:", csp["img-src"]);
        Assert.Equal("'none'", csp["frame-ancestors"]);
        Assert.Equal("'none'", csp["object-src"]);
        Assert.DoesNotContain(csp.Values, v => v.Contains("unsafe", StringComparison.Ordinal));
        Assert.Equal("DENY", Header(response, "X-Frame-Options"));
        AssertCommonHeaders(response);
    }

    [Fact]
    public async Task OnAirGraphic_MayBeFramedByItsOwnOrigin_OnlyByDefault()
    {
        await using var server = new LiveVoteServer();

        var response = await server.Client().GetAsync("/results/demo");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var csp = Directives(response);
        Assert.Equal("'self'", csp["frame-ancestors"]);
        Assert.Equal("'self'", csp["script-src"]);
        Assert.Equal("SAMEORIGIN", Header(response, "X-Frame-Options"));
        AssertCommonHeaders(response);
    }

    [Theory]
    [InlineData("GET", "/v1/polls", HttpStatusCode.OK)]
    [InlineData("GET", "/v1/polls/no-such-poll", HttpStatusCode.NotFound)]
    [InlineData("GET", "/healthz", HttpStatusCode.OK)]
    [InlineData("POST", "/v1/polls/some-poll/open", HttpStatusCode.Unauthorized)]
    [InlineData("GET", "/nothing-here", HttpStatusCode.NotFound)]
    [InlineData("GET", "/js/api.js", HttpStatusCode.OK)]
    public async Task EveryResponse_CarriesTheSecurityHeaders(string method, string path, HttpStatusCode status)
    {
        await using var server = new LiveVoteServer();

        var response = await server.Client().SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(status, response.StatusCode);
        AssertCommonHeaders(response);
        Assert.Equal("DENY", Header(response, "X-Frame-Options"));
        Assert.Equal("'none'", Directives(response)["frame-ancestors"]);
    }

    [Fact]
    public async Task ApiAnswers_HaveAPolicyThatAllowsNothing()
    {
        await using var server = new LiveVoteServer();

        var response = await server.Client().GetAsync("/v1/polls");

        Assert.Equal("'none'", Directives(response)["default-src"]);
    }

    [Fact]
    public async Task FrameAncestors_Configured_AllowThoseOriginsToFrameThePages_ButNotTheApi()
    {
        await using var server = new LiveVoteServer(new()
        {
            ["LiveVote:Http:FrameAncestors:0"] = "'self'",
            ["LiveVote:Http:FrameAncestors:1"] = "https://studio.example.tv",
        });

        var page = await server.Client().GetAsync("/results/demo");
        var api = await server.Client().GetAsync("/v1/polls");

        Assert.Equal("'self' https://studio.example.tv", Directives(page)["frame-ancestors"]);
        Assert.False(page.Headers.Contains("X-Frame-Options"));
        Assert.Equal("'none'", Directives(api)["frame-ancestors"]);
    }

    [Theory]
    [InlineData("LiveVote:Http:FrameAncestors:0", "https://ok.example; script-src *")]
    [InlineData("LiveVote:Http:FrameAncestors:0", "*")]
    [InlineData("LiveVote:Http:TrustedProxies:0", "not-an-address")]
    [InlineData("LiveVote:Cors:AllowedOrigins:0", "https://example.tv/path")]
    [InlineData("LiveVote:Cors:AllowedOrigins:0", "*")]
    public void InvalidHardeningOption_StopsTheServerAtStart(string key, string value)
    {
        Assert.ThrowsAny<Exception>(() => new LiveVoteServer(new() { [key] = value }));
    }

    private static void AssertCommonHeaders(HttpResponseMessage response)
    {
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
        Assert.Contains("camera=()", Header(response, "Permissions-Policy"), StringComparison.Ordinal);
        Assert.Contains("microphone=()", Header(response, "Permissions-Policy"), StringComparison.Ordinal);
        Assert.NotNull(Header(response, "Content-Security-Policy"));
        Assert.False(response.Headers.Contains("Server"));
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? string.Join(", ", values) : null;

    private static Dictionary<string, string> Directives(HttpResponseMessage response) =>
        Header(response, "Content-Security-Policy")!.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(d => d.Split(' ', 2))
            .ToDictionary(d => d[0], d => d.Length > 1 ? d[1] : "", StringComparer.Ordinal);
}
