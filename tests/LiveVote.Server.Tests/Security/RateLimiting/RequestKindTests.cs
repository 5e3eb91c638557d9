using LiveVote.Server.Security.RateLimiting;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace LiveVote.Server.Tests.Security.RateLimiting;

/// <summary>Each endpoint declares its kind where it is mapped; the limits read it from the matched endpoint.</summary>
public sealed class RequestKindTests
{
    private static readonly Dictionary<string, RequestKind> Declared = new(StringComparer.Ordinal)
    {
        ["POST /v1/polls/{pollId}/votes"] = RequestKind.Vote,
        ["POST /v1/viewers"] = RequestKind.Register,
        ["GET /v1/captcha/challenge"] = RequestKind.Challenge,
        ["GET /v1/polls/{pollId}/results/stream"] = RequestKind.Exempt,
        ["GET /healthz"] = RequestKind.Exempt,
        ["GET /readyz"] = RequestKind.Exempt,
    };

    [Fact]
    public async Task EveryMappedRoute_HasItsKind_AndAllOthersAreOther()
    {
        await using var server = new LiveVoteServer();
        var kinds = new Dictionary<string, RequestKind>(StringComparer.Ordinal);
        foreach (var endpoint in server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var context = new DefaultHttpContext();
            context.SetEndpoint(endpoint);
            var route = endpoint.RoutePattern.RawText!;
            route = route.Length > 1 ? route.TrimEnd('/') : route;
            foreach (var method in endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["ANY"])
            {
                kinds[$"{method} {route}"] = RequestKinds.Of(context);
            }
        }

        Assert.True(kinds.Count >= 15, $"Only {kinds.Count} routes found.");
        Assert.All(kinds, pair => Assert.Equal(Declared.GetValueOrDefault(pair.Key, RequestKind.Other), pair.Value));
        Assert.All(Declared.Keys, route => Assert.Contains(route, kinds.Keys));
    }

    [Fact]
    public void ARequestWithoutEndpoint_IsOther()
    {
        Assert.Equal(RequestKind.Other, RequestKinds.Of(new DefaultHttpContext()));
    }
}
