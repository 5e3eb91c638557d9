using System.Net;
using System.Net.Http.Json;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Security.Tokens;

/// <summary>
/// Rotating the token signing key logs nobody out: the old key, listed in LiveVote:PreviousTokenSigningKeys, still
/// verifies the tokens it signed (chosen by their kid) while new tokens are signed with the new key; once the old key
/// is removed its tokens are 401.
/// </summary>
public sealed class KeyRotationTests
{
    private const string OldKey = LiveVoteServer.TokenSigningKey;
    private const string NewKey = "rotated-token-signing-key-0123456789abcdef";

    [Fact]
    public async Task Rotation_OldTokensVoteUntilTheOldKeyIsRemoved()
    {
        var data = TempDirectory.Create("livevote-rotation");
        try
        {
            // Before: the old key signs.
            RegisterViewerResponse early, late;
            PollDto first, second, third;
            await using (var before = new LiveVoteServer(dataDirectory: data))
            {
                first = await Api.CreateOpenPollAsync(before.AdminClient());
                second = await Api.CreateOpenPollAsync(before.AdminClient());
                third = await Api.CreateOpenPollAsync(before.AdminClient());
                early = await Api.RegisterAsync(before.AdminClient());
                Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(before.Client(), first.Id, early.Token, "a")).StatusCode);
            }

            // Rotated: restarted with a new current key and the old one listed as previous.
            await using (var rotated = new LiveVoteServer(RotatedSettings(OldKey), dataDirectory: data))
            {
                var vote = await Api.VoteAsync(rotated.Client(), second.Id, early.Token, "b");
                Assert.Equal(HttpStatusCode.Created, vote.StatusCode);

                // The same viewer, recognised as such: a second vote in the first poll is still refused.
                await ProblemAssert.IsAsync(await Api.VoteAsync(rotated.Client(), first.Id, early.Token, "b"), HttpStatusCode.Conflict, ErrorCodes.AlreadyVoted);

                late = await Api.RegisterAsync(rotated.AdminClient());
                Assert.Equal(TestTokens.KeyId(NewKey), Kid(late.Token));
                Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(rotated.Client(), second.Id, late.Token, "a")).StatusCode);
            }

            // Old key removed (its tokens' lifetime has passed in real life): its tokens are refused, new ones work.
            await using (var after = new LiveVoteServer(new Dictionary<string, string?> { ["LiveVote:TokenSigningKey"] = NewKey }, dataDirectory: data))
            {
                await ProblemAssert.IsAsync(await Api.VoteAsync(after.Client(), third.Id, early.Token, "a"), HttpStatusCode.Unauthorized, ErrorCodes.Unauthorized);
                Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(after.Client(), third.Id, late.Token, "a")).StatusCode);
            }
        }
        finally
        {
            TempDirectory.Delete(data);
        }
    }

    [Fact]
    public async Task Rotation_ManyPreviousKeys_EachVerifiesOnlyItsOwnTokens()
    {
        const string olderKey = "much-older-token-signing-key-0123456789ab";
        var settings = RotatedSettings(OldKey, olderKey);
        await using var server = new LiveVoteServer(settings);
        var poll = await Api.CreateOpenPollAsync(server.AdminClient());
        var expires = DateTimeOffset.UtcNow.AddHours(1);

        var byOlder = TestTokens.Create("viewer-of-older-key-01", expires, signingKey: olderKey);
        var byOld = TestTokens.Create("viewer-of-old-key-0001", expires, signingKey: OldKey);
        var olderKidOldSignature = TestTokens.Create("viewer-mixed-keys-0001", expires, kid: TestTokens.KeyId(olderKey), signingKey: OldKey);

        Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(server.Client(), poll.Id, byOlder, "a")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(server.Client(), poll.Id, byOld, "a")).StatusCode);
        await ProblemAssert.IsAsync(await Api.VoteAsync(server.Client(), poll.Id, olderKidOldSignature, "a"), HttpStatusCode.Unauthorized, ErrorCodes.Unauthorized);
    }

    [Fact]
    public async Task Rotation_PreviousKeysNeverSign()
    {
        await using var server = new LiveVoteServer(RotatedSettings(OldKey));

        var response = await server.AdminClient().PostAsJsonAsync("/v1/viewers", new RegisterViewerRequest(null), ContractsJsonContext.Default.RegisterViewerRequest);

        var viewer = (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.RegisterViewerResponse))!;
        Assert.Equal(TestTokens.KeyId(NewKey), Kid(viewer.Token));
        Assert.Equal(viewer.Token, TestTokens.Sign(viewer.Token[..viewer.Token.LastIndexOf('.')], NewKey));
    }

    [Fact]
    public void Server_WithShortPreviousKey_DoesNotStart()
    {
        var error = Record.Exception(() => new LiveVoteServer(RotatedSettings("too-short")).Dispose());

        Assert.NotNull(error);
        Assert.Contains("PreviousTokenSigningKeys:0", error.ToString(), StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> RotatedSettings(params string[] previous)
    {
        var settings = new Dictionary<string, string?> { ["LiveVote:TokenSigningKey"] = NewKey };
        for (var i = 0; i < previous.Length; i++)
        {
            settings[$"LiveVote:PreviousTokenSigningKeys:{i}"] = previous[i];
        }

        return settings;
    }

    private static string Kid(string token) =>
        System.Text.Json.JsonDocument.Parse(TestTokens.Decode(token.Split('.')[0])).RootElement.GetProperty("kid").GetString()!;
}
