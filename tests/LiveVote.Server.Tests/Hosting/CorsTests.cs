using System.Net;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Hosting;

/// <summary>Cross-origin browser access only for configured origins; none by default.</summary>
public sealed class CorsTests
{
    [Fact]
    public async Task NoConfiguredOrigins_NoCrossOriginAccess()
    {
        await using var server = new LiveVoteServer();

        var simple = await server.Client().SendAsync(WithOrigin(HttpMethod.Get, "/v1/polls", "https://www.example.tv"));
        var preflight = await server.Client().SendAsync(Preflight("https://www.example.tv"));

        Assert.Equal(HttpStatusCode.OK, simple.StatusCode);
        Assert.False(simple.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(preflight.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task ConfiguredOrigin_IsAllowed_OthersAreNot()
    {
        await using var server = new LiveVoteServer(new() { ["LiveVote:Cors:AllowedOrigins:0"] = "https://www.example.tv" });

        var allowed = await server.Client().SendAsync(WithOrigin(HttpMethod.Get, "/v1/polls", "https://www.example.tv"));
        var preflight = await server.Client().SendAsync(Preflight("https://www.example.tv"));
        var other = await server.Client().SendAsync(WithOrigin(HttpMethod.Get, "/v1/polls", "https://evil.example"));
        var otherPreflight = await server.Client().SendAsync(Preflight("https://evil.example"));

        Assert.Equal("https://www.example.tv", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("Retry-After", allowed.Headers.GetValues("Access-Control-Expose-Headers").Single(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
        Assert.Equal("https://www.example.tv", preflight.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var allowedHeaders = preflight.Headers.GetValues("Access-Control-Allow-Headers").Single();
        Assert.Contains("authorization", allowedHeaders, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("x-captcha", allowedHeaders, StringComparison.OrdinalIgnoreCase);
        Assert.False(preflight.Headers.Contains("Access-Control-Allow-Credentials"));
        Assert.False(other.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(otherPreflight.Headers.Contains("Access-Control-Allow-Origin"));
    }

    private static HttpRequestMessage WithOrigin(HttpMethod method, string path, string origin)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("Origin", origin);
        return request;
    }

    private static HttpRequestMessage Preflight(string origin)
    {
        var request = WithOrigin(HttpMethod.Options, "/v1/polls/demo/votes", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization, content-type, x-captcha");
        return request;
    }
}
