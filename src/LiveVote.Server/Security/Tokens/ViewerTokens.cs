using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Security.Tokens;

/// <summary>
/// Viewer bearer tokens: compact JWS (JWT) with HS256, claims <c>iss</c>, <c>aud</c>, <c>sub</c> (viewer id),
/// <c>iat</c>, <c>exp</c> and a <c>kid</c> header naming the signing key (<see cref="SigningKeyRing"/>: the current key
/// or a rotated-out previous one). Verification runs on every vote, so it works on spans: one HMAC, one constant-time
/// compare and a forward-only read of the payload, with no allocation (the viewer id stays the token's UTF-8 bytes,
/// <see cref="TokenViewerId"/>; the HMAC contexts are reused, <see cref="KeyedHmac"/>); the answer, a
/// <see cref="ValidatedToken"/> with the token's <c>iat</c>, is ready at once (a completed <see cref="ValueTask{T}"/>).
/// Only HS256 with one of our key ids is accepted as ours: <c>alg: none</c> or any other algorithm is refused outright,
/// except RS256/ES256 tokens of a configured external issuer (<see cref="ExternalTokens"/>), verified against its keys.
/// </summary>
public sealed class ViewerTokens
{
    // Room for an external issuer's RS256 token with a few claims; our own are about 250 characters.
    private const int MaxTokenLength = 4096;

    // 9999-12-31T23:59:59Z, the last second a DateTimeOffset holds.
    private const long MaxUnixSeconds = 253_402_300_799;

    private static readonly SearchValues<char> PlainIdCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
    private readonly SigningKeyRing _keys;
    private readonly ExternalTokens? _external;
    private readonly byte[] _issuer;
    private readonly byte[] _audience;
    private readonly string _issuerText;
    private readonly string _audienceText;
    private readonly TimeSpan _lifetime;
    private readonly TimeProvider _time;

    // Issue's encoded header and the claims before sub: the same for every token of this instance.
    private IssueParts? _issueParts;

    public ViewerTokens(ServerSecrets secrets, IOptions<TokenOptions> options, TimeProvider time, ExternalTokens? external = null)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        ArgumentNullException.ThrowIfNull(options);
        _keys = new SigningKeyRing(secrets.TokenSigningKey, secrets.PreviousTokenSigningKeys);
        _external = external is { Enabled: true } ? external : null;
        _issuerText = options.Value.Issuer;
        _audienceText = options.Value.Audience;
        _issuer = Encoding.UTF8.GetBytes(_issuerText);
        _audience = Encoding.UTF8.GetBytes(_audienceText);
        _lifetime = options.Value.Lifetime;
        _time = time;
    }

    /// <summary>Identifies the current signing key without revealing it (first 8 bytes of its SHA-256).</summary>
    public string KeyId => _keys.CurrentKeyId;

    public (string Token, DateTimeOffset ExpiresAt) Issue(string viewerId)
    {
        ArgumentNullException.ThrowIfNull(viewerId);
        var now = _time.GetUtcNow();
        var expires = now + _lifetime;

        // Registration issues one token per viewer, so the token is built in one buffer and becomes one string. What
        // never changes for this instance is encoded once: the header {"alg":"HS256","typ":"JWT","kid":...} and the
        // claims before sub, escaped as Utf8JsonWriter escapes them, so the bytes are those the writer would produce.
        var (header, claimsBeforeSub) = _issueParts ??= new IssueParts(
            System.Buffers.Text.Base64Url.EncodeToUtf8(Encoding.UTF8.GetBytes($$"""{"alg":"HS256","typ":"JWT","kid":"{{KeyId}}"}""")),
            [.. "{\"iss\":\""u8, .. JsonEncodedText.Encode(_issuerText).EncodedUtf8Bytes, .. "\",\"aud\":\""u8,
                .. JsonEncodedText.Encode(_audienceText).EncodedUtf8Bytes, .. "\",\"sub\":\""u8]);

        // Our viewer ids are base64url, which JSON never escapes; any other id is escaped as the writer would.
        var sub = viewerId.AsSpan().ContainsAnyExcept(PlainIdCharacters) ? JsonEncodedText.Encode(viewerId).EncodedUtf8Bytes : default;
        var subLength = sub.IsEmpty ? viewerId.Length : sub.Length;
        var claimsLength = claimsBeforeSub.Length + subLength + 64; // "iat", "exp" and two 20-digit numbers at most
        var claims = claimsLength <= 1024 ? stackalloc byte[claimsLength] : new byte[claimsLength];
        claimsBeforeSub.CopyTo(claims);
        var at = claimsBeforeSub.Length;
        at += sub.IsEmpty ? Encoding.ASCII.GetBytes(viewerId, claims[at..]) : Copy(sub, claims[at..]);
        at += Copy("\",\"iat\":"u8, claims[at..]);
        now.ToUnixTimeSeconds().TryFormat(claims[at..], out var written, default, CultureInfo.InvariantCulture);
        at += written;
        at += Copy(",\"exp\":"u8, claims[at..]);
        expires.ToUnixTimeSeconds().TryFormat(claims[at..], out written, default, CultureInfo.InvariantCulture);
        at += written;
        claims[at++] = (byte)'}';

        // header.payload.signature, ASCII: HMAC over the first two parts, then one string.
        var signingLength = header.Length + 1 + System.Buffers.Text.Base64Url.GetEncodedLength(at);
        var tokenLength = signingLength + 1 + System.Buffers.Text.Base64Url.GetEncodedLength(HMACSHA256.HashSizeInBytes);
        var token = tokenLength <= 2048 ? stackalloc byte[tokenLength] : new byte[tokenLength];
        header.CopyTo(token);
        token[header.Length] = (byte)'.';
        System.Buffers.Text.Base64Url.EncodeToUtf8(claims[..at], token[(header.Length + 1)..]);
        Span<byte> signature = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_keys.Current, token[..signingLength], signature);
        token[signingLength] = (byte)'.';
        System.Buffers.Text.Base64Url.EncodeToUtf8(signature, token[(signingLength + 1)..]);
        return (Encoding.ASCII.GetString(token), expires);

        static int Copy(ReadOnlySpan<byte> source, Span<byte> destination)
        {
            source.CopyTo(destination);
            return source.Length;
        }
    }

    /// <summary>
    /// Validates an <c>Authorization</c> header value ("Bearer ..."). The validated token's viewer id is our own viewer
    /// id for our tokens, <c>issuer|sub</c> for an external issuer's, so ids from different issuers never collide (ours
    /// are random base64url and hold no '|').
    /// </summary>
    public ValueTask<TokenCheck> ValidateHeaderAsync(string? authorization)
    {
        if (string.IsNullOrEmpty(authorization))
        {
            return new(TokenCheck.Refused(TokenError.Missing));
        }

        const string scheme = "Bearer ";
        if (authorization.Length <= scheme.Length || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return new(TokenCheck.Refused(TokenError.Malformed));
        }

        var token = authorization.AsSpan(scheme.Length).Trim();
        var error = Validate(token, out var validated, out var isExternal);
        if (isExternal)
        {
            return new(_external!.ValidateAsync(token.ToString()));
        }

        return new(error == TokenError.None ? TokenCheck.Valid(validated) : TokenCheck.Refused(error));
    }

    /// <summary>
    /// Validates one of our tokens. A token whose header names an external issuer's algorithm is not ours:
    /// <paramref name="isExternal"/> says so and <see cref="ExternalTokens"/> takes it.
    /// </summary>
    private TokenError Validate(ReadOnlySpan<char> token, out ValidatedToken validated, out bool isExternal)
    {
        validated = default;
        isExternal = false;
        if (token.IsEmpty || token.Length > MaxTokenLength)
        {
            return TokenError.Malformed;
        }

        Span<byte> ascii = stackalloc byte[token.Length];
        if (Encoding.ASCII.GetBytes(token, ascii) != token.Length || Ascii.IsValid(token) is false)
        {
            return TokenError.Malformed;
        }

        var firstDot = ascii.IndexOf((byte)'.');
        var lastDot = ascii.LastIndexOf((byte)'.');
        if (firstDot <= 0 || lastDot <= firstDot + 1 || lastDot == ascii.Length - 1 || ascii[(firstDot + 1)..lastDot].Contains((byte)'.'))
        {
            return TokenError.Malformed;
        }

        Span<byte> headerJson = stackalloc byte[firstDot];
        if (System.Buffers.Text.Base64Url.DecodeFromUtf8(ascii[..firstDot], headerJson, out _, out var headerLength) != OperationStatus.Done)
        {
            return TokenError.Malformed;
        }

        var headerError = CheckHeader(headerJson[..headerLength], out var key, out isExternal);
        if (isExternal || headerError != TokenError.None)
        {
            return headerError;
        }

        Span<byte> signature = stackalloc byte[64];
        if (System.Buffers.Text.Base64Url.DecodeFromUtf8(ascii[(lastDot + 1)..], signature, out _, out var signatureLength) != OperationStatus.Done ||
            signatureLength != 32)
        {
            return TokenError.BadSignature;
        }

        Span<byte> expected = stackalloc byte[KeyedHmac.MacSize];
        key!.Compute(ascii[..lastDot], expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, signature[..32]))
        {
            return TokenError.BadSignature;
        }

        var payloadLength = lastDot - firstDot - 1;
        var payloadJson = payloadLength <= 1024 ? stackalloc byte[payloadLength] : new byte[payloadLength];
        if (System.Buffers.Text.Base64Url.DecodeFromUtf8(ascii[(firstDot + 1)..lastDot], payloadJson, out _, out var written) != OperationStatus.Done)
        {
            return TokenError.Malformed;
        }

        return CheckPayload(payloadJson[..written], out validated);
    }

    /// <summary>
    /// Reads <c>alg</c> and <c>kid</c>. Ours: HS256 and one of our key ids (<paramref name="key"/> is then that key).
    /// An asymmetric algorithm goes to the external issuer when one is configured; anything else is refused.
    /// </summary>
    private TokenError CheckHeader(ReadOnlySpan<byte> json, out KeyedHmac? key, out bool isExternal)
    {
        key = null;
        isExternal = false;
        var hs256 = false;
        var asymmetric = false;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 2 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return TokenError.Malformed;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("alg"u8))
                {
                    reader.Read();
                    hs256 = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("HS256"u8);
                    asymmetric = reader.TokenType == JsonTokenType.String && (reader.ValueTextEquals("RS256"u8) || reader.ValueTextEquals("ES256"u8));
                }
                else if (reader.ValueTextEquals("kid"u8))
                {
                    reader.Read();
                    key = _keys.Find(ref reader);
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

        if (asymmetric && _external is not null)
        {
            key = null;
            isExternal = true;
            return TokenError.None;
        }

        return !hs256 ? TokenError.Malformed : key is null ? TokenError.UnknownKey : TokenError.None;
    }

    private TokenError CheckPayload(ReadOnlySpan<byte> json, out ValidatedToken validated)
    {
        validated = default;
        bool issOk = false, audOk = false;
        long exp = 0, iat = 0;

        // The sub as UTF-8 in place when it fits (every one of ours does), else as text: no string per vote.
        Span<byte> subUtf8 = stackalloc byte[TokenViewerId.InlineBytes];
        var subLength = -1;
        string? sub = null;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 3 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return TokenError.Malformed;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("iss"u8))
                {
                    reader.Read();
                    issOk = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(_issuer);
                }
                else if (reader.ValueTextEquals("aud"u8))
                {
                    reader.Read();
                    audOk = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(_audience);
                }
                else if (reader.ValueTextEquals("sub"u8))
                {
                    reader.Read();
                    sub = ReadSubject(ref reader, subUtf8, out subLength);
                }
                else if (reader.ValueTextEquals("exp"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out exp))
                    {
                        return TokenError.Malformed;
                    }
                }
                else if (reader.ValueTextEquals("iat"u8))
                {
                    // An unreadable iat only costs the token its age (no young-account points), as a missing one does.
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out iat) || iat is <= 0 or > MaxUnixSeconds)
                    {
                        iat = 0;
                        reader.Skip();
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

        if (!issOk)
        {
            return TokenError.WrongIssuer;
        }

        if (!audOk)
        {
            return TokenError.WrongAudience;
        }

        // At most 64 characters: UTF-8 in place (at most 64 bytes) has at most as many UTF-16 characters as bytes.
        if ((sub is null ? subLength <= 0 : sub.Length is 0 or > 64) || exp == 0)
        {
            return TokenError.Malformed;
        }

        if (_time.GetUtcNow().ToUnixTimeSeconds() >= exp)
        {
            return TokenError.Expired;
        }

        var issuedAt = iat > 0 ? DateTimeOffset.FromUnixTimeSeconds(iat) : (DateTimeOffset?)null;
        validated = sub is null
            ? new ValidatedToken(TokenViewerId.TryFromUtf8(subUtf8[..subLength], out var viewer) ? viewer : default, issuedAt)
            : new ValidatedToken(sub, issuedAt);
        return TokenError.None;
    }

    /// <summary>
    /// The <c>sub</c>: its bytes into <paramref name="utf8"/> when it is written without escapes and fits
    /// (<paramref name="length"/> their count; null returned), else its text. Not a string: null and length -1 (a
    /// malformed token). Bytes that are not UTF-8 throw as <see cref="Utf8JsonReader.GetString"/> does.
    /// </summary>
    private static string? ReadSubject(ref Utf8JsonReader reader, scoped Span<byte> utf8, out int length)
    {
        length = -1;
        if (reader.TokenType != JsonTokenType.String)
        {
            return null;
        }

        if (reader.ValueIsEscaped || reader.HasValueSequence || reader.ValueSpan.Length > utf8.Length)
        {
            return reader.GetString();
        }

        if (!System.Text.Unicode.Utf8.IsValid(reader.ValueSpan))
        {
            throw new InvalidOperationException("The token's sub is not UTF-8.");
        }

        reader.ValueSpan.CopyTo(utf8);
        length = reader.ValueSpan.Length;
        return null;
    }

    private sealed record IssueParts(byte[] Header, byte[] ClaimsBeforeSub);
}
