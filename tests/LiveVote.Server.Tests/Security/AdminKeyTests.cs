using System.Net;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Security;

/// <summary>Admin routes refuse a missing or wrong admin key with 401 admin-key-required and change nothing.</summary>
public sealed class AdminKeyTests(PopulatedServer fixture) : IClassFixture<PopulatedServer>
{
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
}
