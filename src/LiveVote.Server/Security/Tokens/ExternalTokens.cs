using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace LiveVote.Server.Security.Tokens;

/// <summary>
/// Verifies an external OIDC issuer's RS256/ES256 tokens with Microsoft.IdentityModel's <see cref="JsonWebTokenHandler"/>
/// against the keys <see cref="ExternalIssuerKeys"/> holds in memory, so a broadcaster's own accounts can vote without
/// our registration. Checked: the signature, with the key the <c>kid</c> names and only for the algorithm that key is for;
/// <c>iss</c> exactly; <c>aud</c> exactly (a string or an array entry); <c>exp</c> and <c>nbf</c> within
/// <see cref="ExternalTokenOptions.ClockSkew"/> (by our <see cref="TimeProvider"/>); a <c>sub</c>; no <c>crit</c>
/// header. The viewer id is <c>issuer|sub</c>: subjects of different issuers never collide, nor with our own viewer ids.
/// Unlike our HS256 path this one allocates: it serves a broadcaster's accounts, not our hot path.
/// </summary>
public sealed class ExternalTokens
{
    public const int MaxSubjectLength = 255;
    private const long MaxUnixSeconds = 253_402_300_799;
    private readonly JsonWebTokenHandler _handler = new();
    private readonly ExternalIssuerKeys _keys;
    private readonly TokenValidationParameters _parameters;
    private readonly string _issuer;

    public ExternalTokens(IOptions<ExternalTokenOptions> options, ExternalIssuerKeys keys, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Value;
        Enabled = settings.Enabled;
        _keys = keys;
        _issuer = settings.Issuer ?? "";
        var skew = settings.ClockSkew;
        _parameters = new TokenValidationParameters
        {
            ValidIssuer = settings.Issuer,
            ValidAudience = settings.Audience,
            IgnoreTrailingSlashWhenValidatingAudience = false,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256],

            // No algorithm confusion: a key verifies the one algorithm it is for (this replaces the ValidAlgorithms check).
            AlgorithmValidator = (algorithm, key, _, _) => ExternalIssuerKeys.AlgorithmOf(key) == algorithm,

            // Read at each validation, so a refresh applies at once; an unknown kid finds nothing (no trying every key).
            IssuerSigningKeyResolver = (_, _, keyId, _) => keys.Find(keyId),
            TryAllIssuerSigningKeys = false,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ClockSkew = skew,
            LifetimeValidator = (notBefore, expires, _, _) =>
            {
                var now = time.GetUtcNow().UtcDateTime;
                return expires is { } exp && exp > now - skew && (notBefore is not { } nbf || nbf <= now + skew);
            },

            // Refusals are answered, not logged: a flood of forged tokens must not become a flood of log lines.
            LogValidationExceptions = false,
        };
    }

    public bool Enabled { get; }

    /// <summary>Validates a token whose header names RS256 or ES256 (<see cref="ViewerTokens"/> sends only those).</summary>
    public async Task<TokenCheck> ValidateAsync(string token)
    {
        JsonWebToken jwt;
        try
        {
            jwt = new JsonWebToken(token);
        }
        catch (Exception e) when (e is ArgumentException or JsonException or FormatException or InvalidOperationException)
        {
            return TokenCheck.Refused(TokenError.Malformed);
        }

        // RFC 7515 4.1.11: a crit extension we do not understand makes the token invalid. Without a kid there is no key
        // to look up (and no reason to fetch the keys again).
        if (string.IsNullOrEmpty(jwt.Kid) || jwt.TryGetHeaderValue<object>("crit", out _))
        {
            return TokenCheck.Refused(TokenError.Malformed);
        }

        var result = await _handler.ValidateTokenAsync(jwt, _parameters).ConfigureAwait(false);
        if (!result.IsValid)
        {
            var error = ErrorOf(result.Exception);
            if (error == TokenError.UnknownKey)
            {
                // The issuer may have rotated to a key we have not fetched yet: fetch early (throttled), refuse this one.
                _keys.RequestRefresh();
            }

            return TokenCheck.Refused(error);
        }

        if (!jwt.TryGetPayloadValue<string>(JwtRegisteredClaimNames.Sub, out var subject) || string.IsNullOrEmpty(subject) ||
            subject.Length > MaxSubjectLength)
        {
            return TokenCheck.Refused(TokenError.Malformed);
        }

        var issuedAt = jwt.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Iat, out var iat) && iat is > 0 and <= MaxUnixSeconds
            ? DateTimeOffset.FromUnixTimeSeconds(iat)
            : (DateTimeOffset?)null;
        return TokenCheck.Valid(new ValidatedToken(_issuer + "|" + subject, issuedAt));
    }

    private static TokenError ErrorOf(Exception? exception) => exception switch
    {
        SecurityTokenSignatureKeyNotFoundException => TokenError.UnknownKey,
        SecurityTokenInvalidSignatureException or SecurityTokenInvalidAlgorithmException => TokenError.BadSignature,
        SecurityTokenInvalidIssuerException => TokenError.WrongIssuer,
        SecurityTokenInvalidAudienceException => TokenError.WrongAudience,
        SecurityTokenInvalidLifetimeException { Expires: null } or SecurityTokenNoExpirationException => TokenError.Malformed,
        SecurityTokenInvalidLifetimeException or SecurityTokenExpiredException or SecurityTokenNotYetValidException => TokenError.Expired,
        _ => TokenError.Malformed,
    };
}
