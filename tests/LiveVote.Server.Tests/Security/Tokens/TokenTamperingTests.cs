using System.Net;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Security.Tokens;

/// <summary>Our HS256 viewer tokens: any tampering makes a vote 401, and the control (untampered) votes.</summary>
public sealed class TokenTamperingTests(TokenTamperingTests.Fixture fixture) : IClassFixture<TokenTamperingTests.Fixture>
{
    private const string Subject = "tamper-test-viewer-01";

    public static TheoryData<string, Func<string, string>> Tamperings() => new()
    {
        { "payload: subject changed", t => TestTokens.WithPayload(t, p => p.Replace(Subject, "someone-else-viewer-1", StringComparison.Ordinal)) },
        { "payload: expiry pushed out", t => TestTokens.WithPayload(t, p => p.Replace("\"exp\":", "\"exp\":9", StringComparison.Ordinal)) },
        { "signature: one bit flipped", TestTokens.WithFlippedSignature },
        { "signature: stripped", t => t[..(t.LastIndexOf('.') + 1)] },
        { "alg none, no signature", t => TestTokens.Encode("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + t.Split('.')[1] + "." },
        { "alg none, signature kept", t => TestTokens.Encode("{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"" + TestTokens.KeyId() + "\"}") + "." + t.Split('.')[1] + "." + t.Split('.')[2] },
        { "alg none, re-signed", _ => TestTokens.Create(Subject, DateTimeOffset.UtcNow.AddHours(1), alg: "none") },
        { "wrong audience", _ => TestTokens.Create(Subject, DateTimeOffset.UtcNow.AddHours(1), audience: "livevote-admins") },
        { "wrong issuer", _ => TestTokens.Create(Subject, DateTimeOffset.UtcNow.AddHours(1), issuer: "https://evil.example") },
        { "expired", _ => TestTokens.Create(Subject, DateTimeOffset.UtcNow.AddSeconds(-1)) },
        { "unknown kid", _ => TestTokens.Create(Subject, DateTimeOffset.UtcNow.AddHours(1), kid: "00112233aabbccdd") },
        { "kid of our key, signed with another", _ => TestTokens.Create(Subject, DateTimeOffset.UtcNow.AddHours(1), kid: TestTokens.KeyId(), signingKey: "another-key-of-at-least-32-characters!!") },
    };

    [Fact]
    public async Task Vote_WithUntamperedToken_IsAccepted()
    {
        var response = await Api.VoteAsync(fixture.Server.Client(), fixture.Poll.Id, fixture.Token, "a");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Tamperings))]
    public async Task Vote_WithTamperedToken_IsUnauthorized(string why, Func<string, string> tamper)
    {
        var poll = await Api.CreateOpenPollAsync(fixture.Server.AdminClient());

        var response = await Api.VoteAsync(fixture.Server.Client(), poll.Id, tamper(fixture.Token), "a");

        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{why}: got {(int)response.StatusCode}");
        await ProblemAssert.IsAsync(response, HttpStatusCode.Unauthorized, ErrorCodes.Unauthorized);
        Assert.DoesNotContain(await Api.AuditAsync(fixture.Server.Client(), poll.Id), e => e.Kind == "vote");
    }

    public sealed class Fixture : IAsyncLifetime
    {
        public LiveVoteServer Server { get; } = new();

        public PollDto Poll { get; private set; } = null!;

        /// <summary>A genuine token, built the documented way: every tampering starts from it.</summary>
        public string Token { get; } = TestTokens.Create(Subject, DateTimeOffset.UtcNow.AddHours(1));

        public async Task InitializeAsync() => Poll = await Api.CreateOpenPollAsync(Server.AdminClient());

        public async Task DisposeAsync() => await Server.DisposeAsync();
    }
}
