using LiveVote.Server.Polls;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace LiveVote.Server.Tests.Polls;

/// <summary>
/// Every API route that takes a poll id is mapped in the poll group, so its id is checked (BadPollIdTests) without
/// code of its own; a route mapped beside the group would take any id unchecked.
/// </summary>
public sealed class PollGroupTests
{
    [Fact]
    public async Task EveryApiRouteWithAPollId_IsInThePollGroup()
    {
        await using var server = new LiveVoteServer();
        var withPollId = server.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(endpoint => endpoint.RoutePattern.GetParameter(PollGroup.PollIdParameter) is not null
                               && endpoint.RoutePattern.RawText!.StartsWith("/v1/", StringComparison.Ordinal))
            .ToList();

        Assert.True(withPollId.Count >= 10, $"Only {withPollId.Count} routes with a poll id.");
        Assert.All(withPollId, endpoint =>
        {
            Assert.StartsWith(PollGroup.Route, endpoint.RoutePattern.RawText!, StringComparison.Ordinal);
            Assert.NotNull(endpoint.Metadata.GetMetadata<PollIdRoute>());
        });
    }
}
