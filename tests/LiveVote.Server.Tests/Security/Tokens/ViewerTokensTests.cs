using LiveVote.Server.Security;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LiveVote.Server.Tests.Security.Tokens;

/// <summary>The token check itself, on the vote path: right answers, and no allocation beyond the viewer id.</summary>
public sealed class ViewerTokensTests
{
    private const string OldKey = "previous-token-signing-key-0123456789abcdef";
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);

    [Fact]
    public void Validate_TokenOfCurrentOrPreviousKey_YieldsItsViewerId()
    {
        var tokens = Tokens(previous: OldKey);
        var (current, _) = tokens.Issue("viewer-current-key-01");
        var previous = TestTokens.Create("viewer-previous-key-1", _clock.GetUtcNow().AddHours(1), signingKey: OldKey);

        Assert.Equal(TokenError.None, tokens.TryValidate(current, out var first));
        Assert.Equal(TokenError.None, tokens.TryValidate(previous, out var second));
        Assert.Equal("viewer-current-key-01", first);
        Assert.Equal("viewer-previous-key-1", second);
    }

    [Fact]
    public void Validate_TokenOfUnlistedKey_IsUnknownKey()
    {
        var token = TestTokens.Create("viewer-previous-key-1", _clock.GetUtcNow().AddHours(1), signingKey: OldKey);

        Assert.Equal(TokenError.UnknownKey, Tokens().TryValidate(token, out _));
    }

    [Fact]
    public void Validate_IssuedToken_ExpiresExactlyAtItsLifetime()
    {
        var tokens = Tokens();
        var (token, expiresAt) = tokens.Issue("viewer-expiring-0001");

        _clock.SetUtcNow(expiresAt.AddSeconds(-1));
        Assert.Equal(TokenError.None, tokens.TryValidate(token, out _));
        _clock.SetUtcNow(expiresAt);
        Assert.Equal(TokenError.Expired, tokens.TryValidate(token, out _));
    }

    [Fact]
    public void Validate_OwnToken_AllocatesNothingButTheViewerId()
    {
        // The vote path's promise: one string (the viewer id) per check, whichever of the keys signed the token.
        var tokens = Tokens(previous: OldKey);
        var token = TestTokens.Create("viewer-previous-key-1", _clock.GetUtcNow().AddHours(1), signingKey: OldKey);
        var header = "Bearer " + token;
        Assert.Equal(TokenError.None, tokens.TryValidateHeader(header, out _));

        const int checks = 1000;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < checks; i++)
        {
            tokens.TryValidateHeader(header, out _);
        }

        var perCheck = (GC.GetAllocatedBytesForCurrentThread() - before) / checks;
        var viewerIdSize = 24 + (2 * "viewer-previous-key-1".Length) + 8;
        Assert.True(perCheck <= viewerIdSize, $"{perCheck} bytes allocated per check; the viewer id alone is about {viewerIdSize}");
    }

    private ViewerTokens Tokens(params string[] previous)
    {
        var options = new SecretsOptions
        {
            AdminKey = LiveVoteServer.AdminKey,
            TokenSigningKey = LiveVoteServer.TokenSigningKey,
            VoterKeySecret = LiveVoteServer.VoterKeySecret,
            CaptchaHmacKey = "test-captcha-hmac-key-0123456789abcdef",
        };
        foreach (var key in previous)
        {
            options.PreviousTokenSigningKeys.Add(key);
        }

        var secrets = ServerSecrets.Load(options, Path.Combine(Path.GetTempPath(), "livevote-unused", "secrets.json"));
        return new ViewerTokens(secrets, Options.Create(new TokenOptions()), _clock);
    }
}
