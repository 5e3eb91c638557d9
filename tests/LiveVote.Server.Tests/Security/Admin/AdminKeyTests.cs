using System.Net;
using LiveVote.Contracts;
using LiveVote.Server.Security.Admin;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace LiveVote.Server.Tests.Security.Admin;

/// <summary>Admin routes refuse a missing or wrong admin key with 401 admin-key-required and change nothing.</summary>
public sealed class AdminKeyTests(PopulatedServer fixture) : IClassFixture<PopulatedServer>
{
    /// <summary>Every admin-only route ({0}: the draft poll, so a change that got through would show).</summary>
    private static readonly string[] AdminRoutes =
    [
        "POST /v1/polls",
        "POST /v1/polls/{0}/open",
        "POST /v1/polls/{0}/close",
        "POST /v1/polls/{0}/viewer-results",
        "PUT /v1/polls/{0}",
        "DELETE /v1/polls/{0}",
        "POST /v1/polls/{0}/archive",
        "POST /v1/polls/{0}/unarchive",
        "POST /v1/polls/{0}/reveal",
        "POST /v1/polls/{0}/hide-results",
        "POST /v1/polls/{0}/results/freeze",
        "POST /v1/polls/{0}/results/release",
        "GET /v1/polls/{0}/results/live",
        "GET /v1/admin/stats",
        "GET /v1/admin/evidence",
        "POST /v1/admin/erasure",
        "POST /v1/polls/{0}/result",
    ];

    public static TheoryData<string, string[]> BadKeys() => new()
    {
        { "absent", [] },
        { "empty", [""] },
        { "wrong", ["wrong-admin-key-0123456789"] },
        { "prefix of the key", [LiveVoteServer.AdminKey[..^1]] },
        { "key plus a character", [LiveVoteServer.AdminKey + "0"] },
        { "different case", [LiveVoteServer.AdminKey.ToUpperInvariant()] },
        { "sent twice", [LiveVoteServer.AdminKey, LiveVoteServer.AdminKey] },
        { "very long", [new string('k', 5000)] },
    };

    [Theory]
    [MemberData(nameof(BadKeys))]
    public async Task AdminRoutes_WithBadAdminKey_AreUnauthorizedAndChangeNothing(string why, string[] keys)
    {
        var before = await StoredState.CaptureAsync(fixture.Server);
        var client = fixture.Server.Client();
        if (keys.Length > 0)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation("X-Admin-Key", keys);
        }

        var create = await Api.SendRawAsync(client, HttpMethod.Post, "/v1/polls", "{\"title\":\"t\",\"options\":[{\"id\":\"a\",\"label\":\"A\"},{\"id\":\"b\",\"label\":\"B\"}]}");
        var open = await client.PostAsync($"/v1/polls/{fixture.DraftPoll.Id}/open", null);
        var close = await client.PostAsync($"/v1/polls/{fixture.OpenPoll.Id}/close", null);

        foreach (var response in new[] { create, open, close })
        {
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{why}: {response.RequestMessage!.RequestUri} got {(int)response.StatusCode}");
            await ProblemAssert.IsAsync(response, HttpStatusCode.Unauthorized, ErrorCodes.AdminKeyRequired);
        }

        // Nor does a bad key reveal drafts.
        await ProblemAssert.IsAsync(await client.GetAsync($"/v1/polls/{fixture.DraftPoll.Id}"), HttpStatusCode.NotFound, ErrorCodes.PollNotFound);
        Assert.DoesNotContain(fixture.DraftPoll.Id, await client.GetStringAsync("/v1/polls"), StringComparison.Ordinal);
        Assert.Equal(before, await StoredState.CaptureAsync(fixture.Server));
    }

    public static TheoryData<string> EveryAdminRoute() => [.. AdminRoutes];

    [Theory]
    [MemberData(nameof(EveryAdminRoute))]
    public async Task AdminRoute_WithoutOrWithWrongAdminKey_IsUnauthorizedAndChangesNothing(string route)
    {
        var before = await StoredState.CaptureAsync(fixture.Server);
        var (method, path) = (route.Split(' ')[0], string.Format(System.Globalization.CultureInfo.InvariantCulture, route.Split(' ')[1], fixture.DraftPoll.Id));
        var body = path == "/v1/polls" || method == "PUT" ? "{\"title\":\"t\",\"options\":[{\"id\":\"a\",\"label\":\"A\"},{\"id\":\"b\",\"label\":\"B\"}]}"
            : path.EndsWith("/viewer-results", StringComparison.Ordinal) ? "{\"show\":true}"
            : null;
        using var wrongKey = fixture.Server.Client();
        wrongKey.DefaultRequestHeaders.Add("X-Admin-Key", "wrong-admin-key-0123456789");

        foreach (var client in new[] { fixture.Server.Client(), wrongKey })
        {
            var response = await Api.SendRawAsync(client, new HttpMethod(method), path, body);

            await ProblemAssert.IsAsync(response, HttpStatusCode.Unauthorized, ErrorCodes.AdminKeyRequired);
        }

        Assert.Equal(before, await StoredState.CaptureAsync(fixture.Server));
    }

    /// <summary>The admin-only policy is declared on groups: exactly the admin routes carry it, no public route does.</summary>
    [Fact]
    public void AdminOnlyEndpoints_AreExactlyTheAdminRoutes()
    {
        var adminOnly = fixture.Server.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(endpoint => endpoint.Metadata.GetMetadata<AdminKeyRequired>() is not null)
            .SelectMany(endpoint => endpoint.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods
                .Select(method => $"{method} {endpoint.RoutePattern.RawText!.TrimEnd('/')}"));

        Assert.Equal(
            AdminRoutes.Select(route => string.Format(System.Globalization.CultureInfo.InvariantCulture, route, "{pollId}")).Order(StringComparer.Ordinal),
            adminOnly.Order(StringComparer.Ordinal));
    }
}
