using System.Buffers.Text;
using System.Globalization;
using System.Text;
using LiveVote.Server.Security;
using LiveVote.Server.Security.Tokens;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LiveVote.Server.Tests.Security.Tokens;

/// <summary>
/// The token check itself, on the vote path: right answers (the viewer id and the token's <c>iat</c>), and no
/// allocation beyond the viewer id.
/// </summary>
public sealed class ViewerTokensTests
{
    private const string OldKey = "previous-token-signing-key-0123456789abcdef";
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 19, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(Now);

    [Fact]
    public async Task Issue_ThenValidate_YieldsTheViewerIdAndTheIssueTime()
    {
        var tokens = Tokens();

        var (token, expiresAt) = tokens.Issue("viewer-123");

        Assert.Equal(Now.AddHours(12), expiresAt);
        var check = await Validate(tokens, token);
        Assert.Equal(TokenError.None, check.Error);
        Assert.Equal("viewer-123", check.Token.ViewerId);
        Assert.Equal(Now, check.Token.IssuedAt);
    }

    [Fact]
    public void Issue_HeaderNamesHs256AndTheKeyId()
    {
        var tokens = Tokens();

        var (token, _) = tokens.Issue("v");

        var header = TestTokens.Decode(token.Split('.')[0]);
        Assert.Contains("\"alg\":\"HS256\"", header, StringComparison.Ordinal);
        Assert.Contains($"\"kid\":\"{TestTokens.KeyId()}\"", header, StringComparison.Ordinal);
        Assert.Equal(TestTokens.KeyId(), tokens.KeyId);
    }

    [Fact]
    public async Task Validate_HandBuiltToken_AgreesWithTheDocumentedFormat()
    {
        var check = await Validate(Tokens(), TestTokens.Create("hand-built", Now.AddMinutes(5)));

        Assert.Equal(TokenError.None, check.Error);
        Assert.Equal("hand-built", check.Token.ViewerId);
    }

    [Fact]
    public async Task Validate_GivesTheIatOfTheToken()
    {
        var expires = new DateTimeOffset(2030, 5, 1, 12, 0, 0, TimeSpan.Zero);
        var token = TestTokens.Create("viewer-1", expires);

        var check = await Tokens().ValidateHeaderAsync("Bearer " + token);

        Assert.Equal(TokenError.None, check.Error);
        Assert.Equal(expires.AddHours(-1), check.Token.IssuedAt);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Bearer")]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearer abc")]
    [InlineData("Bearer a.b.c")]
    [InlineData("Bearer a.!!!.c")]
    [InlineData("Bearer eyJhbGciOiJIUzI1NiJ9.eyJpYXQiOiJub3ctaXNoIn0.c2ln")]
    [InlineData("Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")]
    public async Task Validate_WithoutAValidToken_GivesNoIssueTime(string? authorization)
    {
        var check = await Tokens().ValidateHeaderAsync(authorization);

        Assert.NotEqual(TokenError.None, check.Error);
        Assert.Null(check.Token.IssuedAt);
    }

    [Theory]
    [InlineData("\"iat\":\"now-ish\",")]
    [InlineData("\"iat\":-5,")]
    [InlineData("\"iat\":{\"a\":[1]},")]
    [InlineData("")]
    public async Task Validate_SignedTokenWithoutAReadableIat_IsValidWithoutAnIssueTime(string iat)
    {
        var header = TestTokens.Encode($"{{\"alg\":\"HS256\",\"kid\":\"{TestTokens.KeyId()}\"}}");
        var payload = $"{{\"iss\":\"livevote\",\"aud\":\"livevote-viewers\",\"sub\":\"v\",{iat}\"exp\":{Now.AddHours(1).ToUnixTimeSeconds()}}}";

        var check = await Validate(Tokens(), TestTokens.Sign(header + "." + TestTokens.Encode(payload)));

        Assert.Equal(TokenError.None, check.Error);
        Assert.Equal("v", check.Token.ViewerId);
        Assert.Null(check.Token.IssuedAt);
    }

    [Fact]
    public async Task Validate_TokenOfCurrentOrPreviousKey_YieldsItsViewerId()
    {
        var tokens = Tokens(previous: [OldKey]);
        var (current, _) = tokens.Issue("viewer-current-key-01");
        var previous = TestTokens.Create("viewer-previous-key-1", _clock.GetUtcNow().AddHours(1), signingKey: OldKey);

        var first = await Validate(tokens, current);
        var second = await Validate(tokens, previous);

        Assert.Equal(TokenError.None, first.Error);
        Assert.Equal(TokenError.None, second.Error);
        Assert.Equal("viewer-current-key-01", first.Token.ViewerId);
        Assert.Equal("viewer-previous-key-1", second.Token.ViewerId);
    }

    [Fact]
    public async Task Validate_TokenOfUnlistedKey_IsUnknownKey()
    {
        var token = TestTokens.Create("viewer-previous-key-1", _clock.GetUtcNow().AddHours(1), signingKey: OldKey);

        Assert.Equal(TokenError.UnknownKey, (await Validate(Tokens(), token)).Error);
    }

    [Fact]
    public async Task Validate_IssuedToken_ExpiresExactlyAtItsLifetime()
    {
        var tokens = Tokens();
        var (token, expiresAt) = tokens.Issue("viewer-expiring-0001");

        _clock.SetUtcNow(expiresAt.AddSeconds(-1));
        Assert.Equal(TokenError.None, (await Validate(tokens, token)).Error);
        _clock.SetUtcNow(expiresAt);
        Assert.Equal(TokenError.Expired, (await Validate(tokens, token)).Error);
    }

    [Fact]
    public async Task Validate_AtAndAfterExpiry_IsExpired()
    {
        var tokens = Tokens(lifetime: TimeSpan.FromMinutes(10));
        var (token, _) = tokens.Issue("viewer");

        _clock.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        Assert.Equal(TokenError.None, (await Validate(tokens, token)).Error);

        _clock.Advance(TimeSpan.FromSeconds(1));
        var expired = await Validate(tokens, token);
        Assert.Equal(TokenError.Expired, expired.Error);
        Assert.Equal("", expired.Token.ViewerId);

        _clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(TokenError.Expired, (await Validate(tokens, token)).Error);
    }

    [Fact]
    public async Task Validate_PayloadTampered_IsBadSignature()
    {
        var tokens = Tokens();
        var (token, _) = tokens.Issue("viewer-aaaa");

        var forged = TestTokens.WithPayload(token, p => p.Replace("viewer-aaaa", "viewer-bbbb", StringComparison.Ordinal));

        var check = await Validate(tokens, forged);
        Assert.Equal(TokenError.BadSignature, check.Error);
        Assert.Equal("", check.Token.ViewerId);
    }

    [Fact]
    public async Task Validate_SignatureTampered_IsBadSignature()
    {
        var tokens = Tokens();
        var (token, _) = tokens.Issue("viewer");

        Assert.Equal(TokenError.BadSignature, (await Validate(tokens, TestTokens.WithFlippedSignature(token))).Error);
    }

    [Fact]
    public async Task Validate_SignedWithAnotherKey_IsRefused()
    {
        var (token, _) = Tokens(signingKey: "another-signing-key-0123456789abcdef!!").Issue("viewer");

        Assert.Equal(TokenError.UnknownKey, (await Validate(Tokens(), token)).Error);
        var withOurKid = TestTokens.Create("viewer", Now.AddHours(1), kid: TestTokens.KeyId(), signingKey: "another-signing-key-0123456789abcdef!!");
        Assert.Equal(TokenError.BadSignature, (await Validate(Tokens(), withOurKid)).Error);
    }

    [Fact]
    public async Task Validate_AlgNone_IsRefused()
    {
        var payload = TestTokens.Encode($"{{\"iss\":\"livevote\",\"aud\":\"livevote-viewers\",\"sub\":\"v\",\"exp\":{Now.AddHours(1).ToUnixTimeSeconds()}}}");
        var unsigned = TestTokens.Encode($"{{\"alg\":\"none\",\"kid\":\"{TestTokens.KeyId()}\"}}") + "." + payload + ".";
        var noneWithHmac = TestTokens.Create("v", Now.AddHours(1), alg: "none");
        var lowercase = TestTokens.Create("v", Now.AddHours(1), alg: "hs256");

        Assert.NotEqual(TokenError.None, (await Validate(Tokens(), unsigned)).Error);
        Assert.NotEqual(TokenError.None, (await Validate(Tokens(), noneWithHmac)).Error);
        Assert.NotEqual(TokenError.None, (await Validate(Tokens(), lowercase)).Error);
    }

    [Fact]
    public async Task Validate_WrongKid_IsUnknownKey()
    {
        Assert.Equal(TokenError.UnknownKey, (await Validate(Tokens(), TestTokens.Create("v", Now.AddHours(1), kid: "ffffffffffffffff"))).Error);
    }

    [Fact]
    public async Task Validate_WrongIssuerOrAudience_IsRefused()
    {
        var (fromOtherIssuer, _) = Tokens(issuer: "someone-else").Issue("v");
        var (forOtherAudience, _) = Tokens(audience: "admins").Issue("v");

        Assert.Equal(TokenError.WrongIssuer, (await Validate(Tokens(), fromOtherIssuer)).Error);
        Assert.Equal(TokenError.WrongAudience, (await Validate(Tokens(), forOtherAudience)).Error);
    }

    [Theory]
    [InlineData(null, TokenError.Missing)]
    [InlineData("", TokenError.Missing)]
    [InlineData("Bearer", TokenError.Malformed)]
    [InlineData("Basic abc", TokenError.Malformed)]
    [InlineData("Bearer abc", TokenError.Malformed)]
    [InlineData("Bearer a.b", TokenError.Malformed)]
    [InlineData("Bearer .b.c", TokenError.Malformed)]
    [InlineData("Bearer a..c", TokenError.Malformed)]
    [InlineData("Bearer a.b.", TokenError.Malformed)]
    [InlineData("Bearer a.b.c.d", TokenError.Malformed)]
    [InlineData("Bearer ä.b.c", TokenError.Malformed)]
    public async Task ValidateHeader_Malformed_IsRefused(string? header, TokenError expected)
    {
        var check = await Tokens().ValidateHeaderAsync(header);

        Assert.Equal(expected, check.Error);
        Assert.Equal("", check.Token.ViewerId);
    }

    [Fact]
    public async Task Validate_ClaimsMissingOrMistyped_IsMalformed()
    {
        var header = TestTokens.Encode($"{{\"alg\":\"HS256\",\"kid\":\"{TestTokens.KeyId()}\"}}");
        var exp = Now.AddHours(1).ToUnixTimeSeconds();
        string Token(string payload) => TestTokens.Sign(header + "." + TestTokens.Encode(payload));

        Assert.Equal(TokenError.Malformed, (await Validate(Tokens(), Token($"{{\"iss\":\"livevote\",\"aud\":\"livevote-viewers\",\"exp\":{exp}}}"))).Error);
        Assert.Equal(TokenError.Malformed, (await Validate(Tokens(), Token("{\"iss\":\"livevote\",\"aud\":\"livevote-viewers\",\"sub\":\"v\"}"))).Error);
        Assert.Equal(TokenError.Malformed, (await Validate(Tokens(), Token("{\"iss\":\"livevote\",\"aud\":\"livevote-viewers\",\"sub\":\"v\",\"exp\":\"soon\"}"))).Error);
        Assert.Equal(TokenError.Malformed, (await Validate(Tokens(), Token($"{{\"iss\":\"livevote\",\"aud\":\"livevote-viewers\",\"sub\":5,\"exp\":{exp}}}"))).Error);
        Assert.Equal(TokenError.Malformed, (await Validate(Tokens(), Token("[1,2]"))).Error);
        var extra = await Validate(Tokens(), Token($"{{\"iss\":\"livevote\",\"aud\":\"livevote-viewers\",\"sub\":\"v\",\"exp\":{exp},\"extra\":{{\"a\":[1]}}}}"));
        Assert.Equal(TokenError.None, extra.Error);
        Assert.Equal("v", extra.Token.ViewerId);
    }

    [Fact]
    public async Task Validate_OwnToken_AllocatesNothingButTheViewerId()
    {
        // The vote path's promise: one string (the viewer id) per check, whichever of the keys signed the token, and the
        // answer ready at once (a completed ValueTask: awaiting it neither allocates nor leaves this thread).
        var tokens = Tokens(previous: [OldKey]);
        var token = TestTokens.Create("viewer-previous-key-1", _clock.GetUtcNow().AddHours(1), signingKey: OldKey);
        var header = "Bearer " + token;
        Assert.Equal(TokenError.None, (await tokens.ValidateHeaderAsync(header)).Error);

        const int checks = 1000;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < checks; i++)
        {
            var pending = tokens.ValidateHeaderAsync(header);
            Assert.True(pending.IsCompletedSuccessfully);
            await pending;
        }

        var perCheck = (GC.GetAllocatedBytesForCurrentThread() - before) / checks;
        var viewerIdSize = 24 + (2 * "viewer-previous-key-1".Length) + 8;
        Assert.True(perCheck <= viewerIdSize, $"{perCheck} bytes allocated per check; the viewer id alone is about {viewerIdSize}");
    }

    [Fact]
    public async Task Validate_OwnToken_AllocatesNothing_TheViewerIdStaysTheTokensBytes()
    {
        // The viewer id is held as the sub's UTF-8 bytes (TokenViewerId): keying the viewer needs no string.
        var tokens = Tokens();
        var header = "Bearer " + TestTokens.Create("viewer-current-key-01", _clock.GetUtcNow().AddHours(1));
        Assert.Equal("viewer-current-key-01", (await tokens.ValidateHeaderAsync(header)).Token.ViewerId);

        const int checks = 1000;
        var valid = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < checks; i++)
        {
            var pending = tokens.ValidateHeaderAsync(header);
            Assert.True(pending.IsCompletedSuccessfully);
            valid += (await pending).IsValid ? 1 : 0;
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(checks, valid);
    }

    [Theory]
    [InlineData("""{"iss":"livevote","aud":"livevote-viewers","sub":"viewer-1","exp":EXP}""", "viewer-1")]
    [InlineData("""{"iss":"livevote","aud":"livevote-viewers","sub":"viewer\u002D1","exp":EXP}""", "viewer-1")]
    [InlineData("""{"iss":"livevote","aud":"livevote-viewers","sub":"vi\u00e9wer","exp":EXP}""", "viéwer")]
    [InlineData("""{"iss":"livevote","aud":"livevote-viewers","sub":"viéwer","exp":EXP}""", "viéwer")]
    [InlineData("""{"iss":"livevote","aud":"livevote-viewers","sub":"first","sub":"second","exp":EXP}""", "second")]
    public async Task Validate_SubjectEscapedOrNot_IsTheSameViewer(string payload, string viewerId)
    {
        var check = await Validate(Tokens(), Raw(payload));

        Assert.Equal(TokenError.None, check.Error);
        Assert.Equal(viewerId, check.Token.ViewerId);
        Assert.Equal(new TokenViewerId(viewerId), check.Token.ViewerId);
        Assert.Equal(Encoding.UTF8.GetBytes(viewerId), check.Token.ViewerId.Utf8(stackalloc byte[64]).ToArray());
    }

    [Fact]
    public async Task Validate_SubjectLengths_CountCharactersAsBefore()
    {
        // Up to 64 characters, whether their UTF-8 fits in place (64 ASCII bytes) or not (40 two-byte characters).
        var longest = new string('v', 64);
        var accented = new string('é', 40);

        Assert.Equal(longest, (await Validate(Tokens(), Raw(Payload(longest)))).Token.ViewerId);
        Assert.Equal(accented, (await Validate(Tokens(), Raw(Payload(accented)))).Token.ViewerId);
        Assert.Equal(TokenError.Malformed, (await Validate(Tokens(), Raw(Payload(longest + "v")))).Error);
        Assert.Equal(TokenError.Malformed, (await Validate(Tokens(), Raw(Payload("")))).Error);
        Assert.Equal(TokenError.Malformed, (await Validate(Tokens(), Raw(Payload("first").Replace("\"first\"", "7", StringComparison.Ordinal)))).Error);
    }

    [Fact]
    public async Task Validate_SubjectNotUtf8_IsMalformed()
    {
        var payload = Encoding.UTF8.GetBytes(Payload("viewer-X"));
        payload[Array.IndexOf(payload, (byte)'X')] = 0xFF;

        var check = await Validate(Tokens(), TestTokens.Sign(TestTokens.Encode(Header()) + "." + Base64Url.EncodeToString(payload)));

        Assert.Equal(TokenError.Malformed, check.Error);
    }

    private static string Payload(string sub) =>
        "{\"iss\":\"livevote\",\"aud\":\"livevote-viewers\",\"sub\":\"" + sub + "\",\"exp\":EXP}";

    private static string Header() => "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"" + TestTokens.KeyId() + "\"}";

    /// <summary>A token signed with our key whose payload is exactly <paramref name="payload"/> (EXP: an hour from now).</summary>
    private string Raw(string payload) =>
        TestTokens.Sign(TestTokens.Encode(Header()) + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(
            payload.Replace("EXP", _clock.GetUtcNow().AddHours(1).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal))));

    private static ValueTask<TokenCheck> Validate(ViewerTokens tokens, string token) => tokens.ValidateHeaderAsync("Bearer " + token);

    private ViewerTokens Tokens(
        string signingKey = LiveVoteServer.TokenSigningKey,
        string issuer = "livevote",
        string audience = "livevote-viewers",
        TimeSpan? lifetime = null,
        IReadOnlyList<string>? previous = null)
    {
        var options = new SecretsOptions
        {
            AdminKey = LiveVoteServer.AdminKey,
            TokenSigningKey = signingKey,
            VoterKeySecret = LiveVoteServer.VoterKeySecret,
            CaptchaHmacKey = "test-captcha-hmac-key-0123456789abcdef",
        };
        foreach (var key in previous ?? [])
        {
            options.PreviousTokenSigningKeys.Add(key);
        }

        var secrets = ServerSecrets.Load(options, Path.Combine(Path.GetTempPath(), "livevote-unused", "secrets.json"));
        return new ViewerTokens(secrets, Options.Create(new TokenOptions { Issuer = issuer, Audience = audience, Lifetime = lifetime ?? TimeSpan.FromHours(12) }), _clock);
    }
}
