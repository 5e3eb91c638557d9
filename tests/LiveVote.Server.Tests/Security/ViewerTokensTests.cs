using LiveVote.Server.Security;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LiveVote.Server.Tests.Security;

public sealed class ViewerTokensTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 19, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Now);

    private ViewerTokens Tokens(string signingKey = LiveVoteServer.TokenSigningKey, string issuer = "livevote", string audience = "livevote-viewers", TimeSpan? lifetime = null)
    {
        var secrets = ServerSecrets.Load(
            new SecretsOptions { AdminKey = LiveVoteServer.AdminKey, TokenSigningKey = signingKey, VoterKeySecret = LiveVoteServer.VoterKeySecret },
            Path.Combine(Path.GetTempPath(), "never-written", "secrets.json"));
        return new ViewerTokens(secrets, Options.Create(new TokenOptions { Issuer = issuer, Audience = audience, Lifetime = lifetime ?? TimeSpan.FromHours(12) }), _time);
    }

    [Fact]
    public void Issue_ThenValidate_YieldsTheViewerId()
    {
        var tokens = Tokens();

        var (token, expiresAt) = tokens.Issue("viewer-123");

        Assert.Equal(Now.AddHours(12), expiresAt);
        Assert.Equal(TokenError.None, tokens.TryValidate(token, out var viewerId));
        Assert.Equal("viewer-123", viewerId);
        Assert.Equal(TokenError.None, tokens.TryValidateHeader("Bearer " + token, out viewerId));
        Assert.Equal("viewer-123", viewerId);
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
    public void Validate_HandBuiltToken_AgreesWithTheDocumentedFormat()
    {
        var token = TestTokens.Create("hand-built", Now.AddMinutes(5));

        Assert.Equal(TokenError.None, Tokens().TryValidate(token, out var viewerId));
        Assert.Equal("hand-built", viewerId);
    }

    [Fact]
    public void Validate_AtAndAfterExpiry_IsExpired()
    {
        var tokens = Tokens(lifetime: TimeSpan.FromMinutes(10));
        var (token, _) = tokens.Issue("viewer");

        _time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        Assert.Equal(TokenError.None, tokens.TryValidate(token, out _));

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TokenError.Expired, tokens.TryValidate(token, out var viewerId));
        Assert.Equal("", viewerId);

        _time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(TokenError.Expired, tokens.TryValidate(token, out _));
    }

    [Fact]
    public void Validate_PayloadTampered_IsBadSignature()
    {
        var tokens = Tokens();
        var (token, _) = tokens.Issue("viewer-aaaa");

        var forged = TestTokens.WithPayload(token, p => p.Replace("viewer-aaaa", "viewer-bbbb", StringComparison.Ordinal));

        Assert.Equal(TokenError.BadSignature, tokens.TryValidate(forged, out var viewerId));
        Assert.Equal("", viewerId);
    }

    [Fact]
    public void Validate_SignatureTampered_IsBadSignature()
    {
        var tokens = Tokens();
        var (token, _) = tokens.Issue("viewer");

        Assert.Equal(TokenError.BadSignature, tokens.TryValidate(TestTokens.WithFlippedSignature(token), out _));
    }

    [Fact]
    public void Validate_SignedWithAnotherKey_IsRefused()
    {
        var (token, _) = Tokens(signingKey: "another-signing-key-0123456789abcdef!!").Issue("viewer");

        Assert.Equal(TokenError.UnknownKey, Tokens().TryValidate(token, out _));
        var withOurKid = TestTokens.Create("viewer", Now.AddHours(1), kid: TestTokens.KeyId(), signingKey: "another-signing-key-0123456789abcdef!!");
        Assert.Equal(TokenError.BadSignature, Tokens().TryValidate(withOurKid, out _));
    }

    [Fact]
    public void Validate_AlgNone_IsRefused()
    {
        var payload = TestTokens.Encode($"{{\"iss\":\"livevote\",\"aud\":\"livevote-viewers\",\"sub\":\"v\",\"exp\":{Now.AddHours(1).ToUnixTimeSeconds()}}}");
        var unsigned = TestTokens.Encode($"{{\"alg\":\"none\",\"kid\":\"{TestTokens.KeyId()}\"}}") + "." + payload + ".";
        var noneWithHmac = TestTokens.Create("v", Now.AddHours(1), alg: "none");
        var lowercase = TestTokens.Create("v", Now.AddHours(1), alg: "hs256");

        Assert.NotEqual(TokenError.None, Tokens().TryValidate(unsigned, out _));
        Assert.NotEqual(TokenError.None, Tokens().TryValidate(noneWithHmac, out _));
        Assert.NotEqual(TokenError.None, Tokens().TryValidate(lowercase, out _));
    }

    [Fact]
    public void Validate_WrongKid_IsUnknownKey()
    {
        Assert.Equal(TokenError.UnknownKey, Tokens().TryValidate(TestTokens.Create("v", Now.AddHours(1), kid: "ffffffffffffffff"), out _));
    }

    [Fact]
    public void Validate_WrongIssuerOrAudience_IsRefused()
    {
        var (fromOtherIssuer, _) = Tokens(issuer: "someone-else").Issue("v");
        var (forOtherAudience, _) = Tokens(audience: "admins").Issue("v");

        Assert.Equal(TokenError.WrongIssuer, Tokens().TryValidate(fromOtherIssuer, out _));
        Assert.Equal(TokenError.WrongAudience, Tokens().TryValidate(forOtherAudience, out _));
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
    public void ValidateHeader_Malformed_IsRefused(string? header, TokenError expected)
    {
        Assert.Equal(expected, Tokens().TryValidateHeader(header, out var viewerId));
        Assert.Equal("", viewerId);
    }

    [Fact]
    public void Validate_ClaimsMissingOrMistyped_IsMalformed()
    {
        var header = TestTokens.Encode($"{{\"alg\":\"HS256\",\"kid\":\"{TestTokens.KeyId()}\"}}");
        var exp = Now.AddHours(1).ToUnixTimeSeconds();
        string Token(string payload) => TestTokens.Sign(header + "." + TestTokens.Encode(payload));

        Assert.Equal(TokenError.Malformed, Tokens().TryValidate(Token($"{{\"iss\":\"livevote\",\"aud\":\"livevote-viewers\",\"exp\":{exp}}}"), out _));
        Assert.Equal(TokenError.Malformed, Tokens().TryValidate(Token("{\"iss\":\"livevote\",\"aud\":\"livevote-viewers\",\"sub\":\"v\"}"), out _));
        Assert.Equal(TokenError.Malformed, Tokens().TryValidate(Token("{\"iss\":\"livevote\",\"aud\":\"livevote-viewers\",\"sub\":\"v\",\"exp\":\"soon\"}"), out _));
        Assert.Equal(TokenError.Malformed, Tokens().TryValidate(Token($"{{\"iss\":\"livevote\",\"aud\":\"livevote-viewers\",\"sub\":5,\"exp\":{exp}}}"), out _));
        Assert.Equal(TokenError.Malformed, Tokens().TryValidate(Token("[1,2]"), out _));
        Assert.Equal(TokenError.None, Tokens().TryValidate(Token($"{{\"iss\":\"livevote\",\"aud\":\"livevote-viewers\",\"sub\":\"v\",\"exp\":{exp},\"extra\":{{\"a\":[1]}}}}"), out var viewerId));
        Assert.Equal("v", viewerId);
    }
}
