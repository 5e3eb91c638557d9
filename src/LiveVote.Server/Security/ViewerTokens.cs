using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Security;

public enum TokenError
{
    None,
    Missing,
    Malformed,
    BadSignature,
    UnknownKey,
    WrongIssuer,
    WrongAudience,
    Expired,
}

/// <summary>
/// Viewer bearer tokens: compact JWS (JWT) with HS256, claims <c>iss</c>, <c>aud</c>, <c>sub</c> (viewer id),
/// <c>iat</c>, <c>exp</c> and a <c>kid</c> header. Verification runs on every vote, so it works on spans: one HMAC,
/// one constant-time compare and a forward-only read of the payload, with no allocation but the viewer id.
/// Only HS256 with our own key id is accepted: <c>alg: none</c> or any other algorithm is refused outright.
/// </summary>
public sealed class ViewerTokens
{
    private const int MaxTokenLength = 2048;
    private readonly byte[] _key;
    private readonly byte[] _issuer;
    private readonly byte[] _audience;
    private readonly string _issuerText;
    private readonly string _audienceText;
    private readonly TimeSpan _lifetime;
    private readonly TimeProvider _time;

    public ViewerTokens(ServerSecrets secrets, IOptions<TokenOptions> options, TimeProvider time)
    {
        _key = secrets.TokenSigningKey;
        _issuerText = options.Value.Issuer;
        _audienceText = options.Value.Audience;
        _issuer = Encoding.UTF8.GetBytes(_issuerText);
        _audience = Encoding.UTF8.GetBytes(_audienceText);
        _lifetime = options.Value.Lifetime;
        _time = time;
        KeyId = Convert.ToHexStringLower(SHA256.HashData(_key).AsSpan(0, 8));
    }

    /// <summary>Identifies the signing key without revealing it (first 8 bytes of its SHA-256).</summary>
    public string KeyId { get; }

    public (string Token, DateTimeOffset ExpiresAt) Issue(string viewerId)
    {
        var now = _time.GetUtcNow();
        var expires = now + _lifetime;
        var header = Encode(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>
        {
            ["alg"] = "HS256",
            ["typ"] = "JWT",
            ["kid"] = KeyId,
        }, TokenJsonContext.Default.DictionaryStringString));

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("iss", _issuerText);
            writer.WriteString("aud", _audienceText);
            writer.WriteString("sub", viewerId);
            writer.WriteNumber("iat", now.ToUnixTimeSeconds());
            writer.WriteNumber("exp", expires.ToUnixTimeSeconds());
            writer.WriteEndObject();
        }

        var payload = Encode(buffer.WrittenSpan);
        var signingInput = header + "." + payload;
        var signature = HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(signingInput));
        return (signingInput + "." + Encode(signature), expires);
    }

    /// <summary>Validates an <c>Authorization</c> header value ("Bearer ...") and yields the viewer id.</summary>
    public TokenError TryValidateHeader(string? authorization, out string viewerId)
    {
        viewerId = "";
        if (string.IsNullOrEmpty(authorization))
        {
            return TokenError.Missing;
        }

        const string scheme = "Bearer ";
        if (authorization.Length <= scheme.Length || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return TokenError.Malformed;
        }

        return TryValidate(authorization.AsSpan(scheme.Length).Trim(), out viewerId);
    }

    public TokenError TryValidate(ReadOnlySpan<char> token, out string viewerId)
    {
        viewerId = "";
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

        Span<byte> signature = stackalloc byte[64];
        if (System.Buffers.Text.Base64Url.DecodeFromUtf8(ascii[(lastDot + 1)..], signature, out _, out var signatureLength) != OperationStatus.Done ||
            signatureLength != 32)
        {
            return TokenError.BadSignature;
        }

        Span<byte> headerJson = stackalloc byte[firstDot];
        if (System.Buffers.Text.Base64Url.DecodeFromUtf8(ascii[..firstDot], headerJson, out _, out var headerLength) != OperationStatus.Done)
        {
            return TokenError.Malformed;
        }

        var headerError = CheckHeader(headerJson[..headerLength]);
        if (headerError != TokenError.None)
        {
            return headerError;
        }

        Span<byte> expected = stackalloc byte[32];
        HMACSHA256.HashData(_key, ascii[..lastDot], expected);
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

        return CheckPayload(payloadJson[..written], out viewerId);
    }

    private TokenError CheckHeader(ReadOnlySpan<byte> json)
    {
        var algOk = false;
        var kidOk = false;
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
                    algOk = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("HS256"u8);
                }
                else if (reader.ValueTextEquals("kid"u8))
                {
                    reader.Read();
                    kidOk = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(KeyId);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            return TokenError.Malformed;
        }

        return !algOk ? TokenError.Malformed : !kidOk ? TokenError.UnknownKey : TokenError.None;
    }

    private TokenError CheckPayload(ReadOnlySpan<byte> json, out string viewerId)
    {
        viewerId = "";
        bool issOk = false, audOk = false;
        long exp = 0;
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
                    sub = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("exp"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out exp))
                    {
                        return TokenError.Malformed;
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
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

        if (string.IsNullOrEmpty(sub) || sub.Length > 64 || exp == 0)
        {
            return TokenError.Malformed;
        }

        if (_time.GetUtcNow().ToUnixTimeSeconds() >= exp)
        {
            return TokenError.Expired;
        }

        viewerId = sub;
        return TokenError.None;
    }

    private static string Encode(ReadOnlySpan<byte> bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class TokenJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
