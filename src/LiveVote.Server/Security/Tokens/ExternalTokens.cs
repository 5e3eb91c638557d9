using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Security.Tokens;

/// <summary>
/// Verifies an external OIDC issuer's RS256/ES256 tokens against its JWKS (<see cref="JwksCache"/>), so a broadcaster's
/// own accounts can vote without our registration. Checks the signature with the key the <c>kid</c> names (which must be
/// published for the token's algorithm), then <c>iss</c>, <c>aud</c>, <c>exp</c>, <c>nbf</c> and <c>sub</c>. The viewer
/// id is <c>issuer|sub</c>: subjects of different issuers never collide, nor with our own viewer ids.
/// Unlike our HS256 path this one allocates: it serves a broadcaster's accounts, not our hot path, and stays cheap anyway.
/// </summary>
public sealed class ExternalTokens
{
    public const int MaxSubjectLength = 255;
    private readonly ExternalTokenOptions _options;
    private readonly JwksCache _jwks;
    private readonly TimeProvider _time;

    public ExternalTokens(IOptions<ExternalTokenOptions> options, JwksCache jwks, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _jwks = jwks;
        _time = time;
    }

    public bool Enabled => _options.Enabled;

    /// <summary>Whether the reader's current string is an algorithm this class verifies (called on our header pass).</summary>
    public static bool IsSupportedAlgorithm(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("RS256"u8) || reader.ValueTextEquals("ES256"u8);

    /// <summary>Validates a token whose header names an asymmetric algorithm; <paramref name="ascii"/> is the whole token.</summary>
    public TokenError TryValidate(ReadOnlySpan<byte> ascii, int firstDot, int lastDot, ReadOnlySpan<byte> headerJson, out string viewerId)
    {
        viewerId = "";
        if (!TryReadHeader(headerJson, out var algorithm, out var keyId))
        {
            return TokenError.Malformed;
        }

        if (_jwks.Keys.Find(keyId) is not { } key)
        {
            // The issuer may have rotated to a key we have not fetched yet: fetch early (throttled) and refuse this one.
            _jwks.RequestRefresh();
            return TokenError.UnknownKey;
        }

        // A key verifies only the algorithm it was published for: no RS256/ES256 confusion.
        if (key.Algorithm != algorithm)
        {
            return TokenError.BadSignature;
        }

        Span<byte> signature = stackalloc byte[512];
        if (System.Buffers.Text.Base64Url.DecodeFromUtf8(ascii[(lastDot + 1)..], signature, out _, out var signatureLength) != OperationStatus.Done ||
            !key.Verify(ascii[..lastDot], signature[..signatureLength]))
        {
            return TokenError.BadSignature;
        }

        var payload = new byte[System.Buffers.Text.Base64Url.GetMaxDecodedLength(lastDot - firstDot - 1)];
        if (System.Buffers.Text.Base64Url.DecodeFromUtf8(ascii[(firstDot + 1)..lastDot], payload, out _, out var written) != OperationStatus.Done)
        {
            return TokenError.Malformed;
        }

        return CheckClaims(payload.AsSpan(0, written), out viewerId);
    }

    private static bool TryReadHeader(ReadOnlySpan<byte> json, out JwsAlgorithm algorithm, out string keyId)
    {
        algorithm = default;
        keyId = "";
        bool hasAlgorithm = false, hasKeyId = false;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 2 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("alg"u8))
                {
                    reader.Read();
                    hasAlgorithm = reader.TokenType == JsonTokenType.String && (reader.ValueTextEquals("RS256"u8) || reader.ValueTextEquals("ES256"u8));
                    algorithm = hasAlgorithm && reader.ValueTextEquals("ES256"u8) ? JwsAlgorithm.ES256 : JwsAlgorithm.RS256;
                }
                else if (reader.ValueTextEquals("kid"u8))
                {
                    reader.Read();
                    hasKeyId = reader.TokenType == JsonTokenType.String;
                    keyId = hasKeyId ? reader.GetString()! : "";
                }
                else if (reader.ValueTextEquals("crit"u8))
                {
                    // RFC 7515 4.1.11: extensions we do not understand must make the token invalid.
                    return false;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        // GetString throws InvalidOperationException on invalid UTF-8: hostile input, not a server error.
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return false;
        }

        return hasAlgorithm && hasKeyId && keyId.Length is > 0 and <= 256;
    }

    private TokenError CheckClaims(ReadOnlySpan<byte> json, out string viewerId)
    {
        viewerId = "";
        bool issuerOk = false, audienceOk = false;
        long? expires = null, notBefore = null;
        string? subject = null;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 4 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return TokenError.Malformed;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("iss"u8))
                {
                    reader.Read();
                    issuerOk = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(_options.Issuer);
                }
                else if (reader.ValueTextEquals("aud"u8))
                {
                    reader.Read();
                    audienceOk = ReadAudience(ref reader);
                }
                else if (reader.ValueTextEquals("sub"u8))
                {
                    reader.Read();
                    subject = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("exp"u8) || reader.ValueTextEquals("nbf"u8))
                {
                    var isExpiry = reader.ValueTextEquals("exp"u8);
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var seconds))
                    {
                        return TokenError.Malformed;
                    }

                    if (isExpiry)
                    {
                        expires = seconds;
                    }
                    else
                    {
                        notBefore = seconds;
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return TokenError.Malformed;
        }

        if (!issuerOk)
        {
            return TokenError.WrongIssuer;
        }

        if (!audienceOk)
        {
            return TokenError.WrongAudience;
        }

        if (string.IsNullOrEmpty(subject) || subject.Length > MaxSubjectLength || expires is null)
        {
            return TokenError.Malformed;
        }

        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var skew = (long)_options.ClockSkew.TotalSeconds;
        if (now >= expires + skew || (notBefore is { } nbf && now + skew < nbf))
        {
            return TokenError.Expired;
        }

        viewerId = _options.Issuer + "|" + subject;
        return TokenError.None;
    }

    /// <summary><c>aud</c> is a string or an array of strings (RFC 7519 4.1.3); ours must be among them.</summary>
    private bool ReadAudience(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.ValueTextEquals(_options.Audience);
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return false;
        }

        var found = false;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            found |= reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(_options.Audience);
            reader.Skip();
        }

        return found;
    }
}
