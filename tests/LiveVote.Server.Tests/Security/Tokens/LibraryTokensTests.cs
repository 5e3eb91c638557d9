using System.Security.Claims;
using System.Text;
using LiveVote.Server.Security;
using LiveVote.Server.Security.Tokens;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace LiveVote.Server.Tests.Security.Tokens;

/// <summary>
/// Our hand-written HS256 check against Microsoft.IdentityModel's <see cref="JsonWebTokenHandler"/>, both ways: tokens
/// the library mints with our key and key id are accepted by our fast path (and refused once tampered with), and the
/// tokens we issue validate with the library. The two agree on the format, so neither is a private dialect.
/// </summary>
public sealed class LibraryTokensTests
{
    private const string ViewerId = "library-minted-viewer-1";
    private const string PreviousKey = "previous-token-signing-key-0123456789abcdef";
    private const string OtherKey = "another-key-of-at-least-32-characters!!";
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 19, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(Now);

    [Fact]
    public async Task Validate_Hs256TokenMintedByTheLibrary_YieldsItsSubjectAndIssueTime()
    {
        var token = Mint();

        var check = await Tokens().ValidateHeaderAsync("Bearer " + token);

        Assert.Equal(TokenError.None, check.Error);
        Assert.Equal(ViewerId, check.Token.ViewerId);
        Assert.Equal(Now.AddMinutes(-1), check.Token.IssuedAt);
    }

    [Fact]
    public async Task Validate_Hs256TokenMintedByTheLibraryWithAPreviousKey_IsAccepted()
    {
        var token = Mint(signingKey: PreviousKey, kid: TestTokens.KeyId(PreviousKey));

        var check = await Tokens().ValidateHeaderAsync("Bearer " + token);

        Assert.Equal(TokenError.None, check.Error);
        Assert.Equal(ViewerId, check.Token.ViewerId);
    }

    public static TheoryData<string, Func<string>, TokenError> Refused() => new()
    {
        { "payload changed after signing", () => TestTokens.WithPayload(Mint(), p => p.Replace(ViewerId, "library-minted-viewer-2", StringComparison.Ordinal)), TokenError.BadSignature },
        { "signature: one bit flipped", () => TestTokens.WithFlippedSignature(Mint()), TokenError.BadSignature },
        { "signature stripped", () => WithoutSignature(Mint()), TokenError.Malformed },
        { "our kid, another key", () => Mint(signingKey: OtherKey), TokenError.BadSignature },
        { "another key and its own kid", () => Mint(signingKey: OtherKey, kid: TestTokens.KeyId(OtherKey)), TokenError.UnknownKey },
        { "HS384 under our kid", () => Mint(signingKey: OtherKey + OtherKey, algorithm: SecurityAlgorithms.HmacSha384), TokenError.Malformed },
        { "header swapped for alg none", () => WithHeader($"{{\"alg\":\"none\",\"kid\":\"{TestTokens.KeyId()}\"}}", Mint()), TokenError.Malformed },
        { "expired", () => Mint(expires: Now.AddSeconds(-1)), TokenError.Expired },
        { "wrong issuer", () => Mint(issuer: "https://evil.example"), TokenError.WrongIssuer },
        { "wrong audience", () => Mint(audience: "livevote-admins"), TokenError.WrongAudience },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Validate_LibraryTokenTamperedOrNotOurs_IsRefused(string why, Func<string> make, TokenError expected)
    {
        var check = await Tokens().ValidateHeaderAsync("Bearer " + make());

        Assert.True(check.Error == expected, $"{why}: {check.Error}");
        Assert.Equal("", check.Token.ViewerId);
    }

    [Fact]
    public async Task Issue_TokenValidatesWithTheLibrary()
    {
        var (token, expiresAt) = Tokens().Issue(ViewerId);

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, LibraryParameters());

        Assert.True(result.IsValid, result.Exception?.ToString());
        var jwt = (JsonWebToken)result.SecurityToken;
        Assert.Equal(ViewerId, jwt.Subject);
        Assert.Equal(TestTokens.KeyId(), jwt.Kid);
        Assert.Equal(SecurityAlgorithms.HmacSha256, jwt.Alg);
        Assert.Equal(Now.UtcDateTime, jwt.IssuedAt);
        Assert.Equal(expiresAt.UtcDateTime, jwt.ValidTo);
    }

    [Fact]
    public async Task Issue_TokenSignedWithAnotherKey_IsRefusedByTheLibrary()
    {
        var (token, _) = Tokens(OtherKey).Issue(ViewerId);

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, LibraryParameters());

        Assert.False(result.IsValid);
    }

    private static string Mint(
        string signingKey = LiveVoteServer.TokenSigningKey,
        string? kid = null,
        string algorithm = SecurityAlgorithms.HmacSha256,
        DateTimeOffset? expires = null,
        string issuer = TestTokens.Issuer,
        string audience = TestTokens.Audience)
    {
        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(signingKey)) { KeyId = kid ?? TestTokens.KeyId() };
        var expiry = expires ?? Now.AddHours(1);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Subject = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, ViewerId)]),
            IssuedAt = Now.AddMinutes(-1).UtcDateTime,
            NotBefore = Now.AddMinutes(-1).UtcDateTime,
            Expires = expiry.UtcDateTime,
            SigningCredentials = new SigningCredentials(key, algorithm),
        });
    }

    private static string WithoutSignature(string token) => token[..(token.LastIndexOf('.') + 1)];

    private static string WithHeader(string headerJson, string token) =>
        TestTokens.Encode(headerJson) + token[token.IndexOf('.', StringComparison.Ordinal)..];

    private TokenValidationParameters LibraryParameters() => new()
    {
        ValidIssuer = TestTokens.Issuer,
        ValidAudience = TestTokens.Audience,
        IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(LiveVoteServer.TokenSigningKey)) { KeyId = TestTokens.KeyId() },
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        LifetimeValidator = (_, expires, _, _) => expires > _clock.GetUtcNow().UtcDateTime,
    };

    private ViewerTokens Tokens(string signingKey = LiveVoteServer.TokenSigningKey)
    {
        var options = new SecretsOptions
        {
            AdminKey = LiveVoteServer.AdminKey,
            TokenSigningKey = signingKey,
            VoterKeySecret = LiveVoteServer.VoterKeySecret,
            CaptchaHmacKey = "test-captcha-hmac-key-0123456789abcdef",
        };
        options.PreviousTokenSigningKeys.Add(PreviousKey);
        var secrets = ServerSecrets.Load(options, Path.Combine(Path.GetTempPath(), "livevote-unused", "secrets.json"));
        return new ViewerTokens(secrets, Options.Create(new TokenOptions()), _clock);
    }
}
