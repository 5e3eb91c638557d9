using System.Net;
using System.Net.Http.Headers;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Votes;

/// <summary>A vote needs a valid viewer token: every forged, tampered, expired or missing one is 401 and stores nothing.</summary>
public sealed class VoteTokenTests(PopulatedServer fixture) : IClassFixture<PopulatedServer>
{
    public static TheoryData<string, string?> BadAuthorizations()
    {
        var viewerId = "forged-viewer-0001";
        var future = DateTimeOffset.UtcNow.AddHours(1);
        var valid = TestTokens.Create(viewerId, future);
        var parts = valid.Split('.');
        const string otherKey = "another-signing-key-0123456789abcdef!!";
        var unsignedNone = TestTokens.Encode("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + parts[1] + ".";
        return new TheoryData<string, string?>
        {
            { "absent", null },
            { "empty", "" },
            { "scheme only", "Bearer" },
            { "scheme and blank", "Bearer    " },
            { "basic scheme", "Basic " + Convert.ToBase64String("viewer:secret"u8.ToArray()) },
            { "token without scheme", valid },
            { "garbage", "Bearer not-a-token" },
            { "three garbage parts", "Bearer a.b.c" },
            { "two parts", "Bearer " + parts[0] + "." + parts[1] },
            { "four parts", "Bearer " + valid + ".x" },
            { "header not json", "Bearer " + TestTokens.Sign(TestTokens.Encode("not json") + "." + parts[1]) },
            { "payload not json", "Bearer " + TestTokens.Sign(parts[0] + "." + TestTokens.Encode("not json")) },
            { "payload changed, signature kept", "Bearer " + TestTokens.WithPayload(valid, p => p.Replace(viewerId, "someone-else-00001", StringComparison.Ordinal)) },
            { "expiry extended, signature kept", "Bearer " + TestTokens.WithPayload(valid, p => p.Replace("\"exp\":", "\"exp\":9", StringComparison.Ordinal)) },
            { "signature changed", "Bearer " + TestTokens.WithFlippedSignature(valid) },
            { "signature removed", "Bearer " + parts[0] + "." + parts[1] + "." },
            { "signature truncated", "Bearer " + parts[0] + "." + parts[1] + "." + parts[2][..20] },
            { "alg none without signature", "Bearer " + unsignedNone },
            { "alg none with a valid HMAC", "Bearer " + TestTokens.Create(viewerId, future, alg: "none") },
            { "alg HS512", "Bearer " + TestTokens.Create(viewerId, future, alg: "HS512") },
            { "alg RS256", "Bearer " + TestTokens.Create(viewerId, future, alg: "RS256") },
            { "wrong kid", "Bearer " + TestTokens.Create(viewerId, future, kid: "0000000000000000") },
            { "signed with another key", "Bearer " + TestTokens.Create(viewerId, future, kid: TestTokens.KeyId(), signingKey: otherKey) },
            { "another key and its kid", "Bearer " + TestTokens.Create(viewerId, future, signingKey: otherKey) },
            { "wrong issuer", "Bearer " + TestTokens.Create(viewerId, future, issuer: "someone-else") },
            { "wrong audience", "Bearer " + TestTokens.Create(viewerId, future, audience: "livevote-admins") },
            { "expired", "Bearer " + TestTokens.Create(viewerId, DateTimeOffset.UtcNow.AddSeconds(-5)) },
            { "empty subject", "Bearer " + TestTokens.Create("", future) },
            { "subject too long", "Bearer " + TestTokens.Create(new string('s', 65), future) },
            { "oversized token", "Bearer " + new string('a', 3000) + "." + parts[1] + "." + parts[2] },
        };
    }

    [Theory]
    [MemberData(nameof(BadAuthorizations))]
    public async Task Vote_WithBadToken_IsUnauthorizedAndChangesNothing(string why, string? authorization)
    {
        var before = await StoredState.CaptureAsync(fixture.Server);
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/polls/{fixture.OpenPoll.Id}/votes")
        {
            Content = new StringContent("{\"optionId\":\"a\"}", System.Text.Encoding.UTF8, "application/json"),
        };
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        var response = await fixture.Server.Client().SendAsync(request);

        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{why}: got {(int)response.StatusCode}");
        await ProblemAssert.IsAsync(response, HttpStatusCode.Unauthorized, ErrorCodes.Unauthorized);
        Assert.Equal(before, await StoredState.CaptureAsync(fixture.Server));
    }

    [Fact]
    public async Task Vote_WithHandBuiltValidToken_IsAccepted()
    {
        // The control for the forgeries above: the same construction, unaltered, is honoured.
        using var server = new LiveVoteServer();
        var poll = await Api.CreateOpenPollAsync(server.AdminClient());
        var token = TestTokens.Create("hand-built-viewer-01", DateTimeOffset.UtcNow.AddHours(1));

        var response = await Api.VoteAsync(server.Client(), poll.Id, token, "a");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var entry = Assert.Single(await Api.AuditAsync(server.Client(), poll.Id), e => e.Kind == "vote");
        Assert.Equal(TestVoterKeys.FromSqlite(server.DatabasePath, poll.Id).Hex("hand-built-viewer-01"), entry.VoterKey);
    }

    [Fact]
    public async Task Vote_WithIssuedTokenPastItsLifetime_IsUnauthorizedAndChangesNothing()
    {
        await using var server = new LiveVoteServer(new Dictionary<string, string?> { ["LiveVote:Tokens:Lifetime"] = "00:00:01" });
        var poll = await Api.CreateOpenPollAsync(server.AdminClient());
        var viewer = await Api.RegisterAsync(server.AdminClient());
        Assert.True(viewer.ExpiresAt <= DateTimeOffset.UtcNow.AddSeconds(2), $"token expires at {viewer.ExpiresAt}");

        // exp has one-second resolution: two and a half seconds on, the token has certainly expired.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var before = await StoredState.CaptureAsync(server);
        var response = await Api.VoteAsync(server.Client(), poll.Id, viewer.Token, "a");

        var problem = await ProblemAssert.IsAsync(response, HttpStatusCode.Unauthorized, ErrorCodes.Unauthorized);
        Assert.Contains("expired", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before, await StoredState.CaptureAsync(server));
    }
}
