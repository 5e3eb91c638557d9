using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text.Json;

namespace LiveVote.Server.Security.Tokens;

/// <summary>
/// The usable signing keys of a JWKS document (RFC 7517), by key id: RSA keys of at least 2048 bits (RS256) and P-256
/// EC keys (ES256). Keys for encryption, of other types or curves, without a <c>kid</c>, or naming another algorithm are
/// left out, so no key can ever verify a token of an algorithm it was not published for.
/// </summary>
public sealed class JwksKeySet
{
    private const int MinRsaModulusBytes = 256;
    private readonly FrozenDictionary<string, JwksKey> _keys;

    private JwksKeySet(FrozenDictionary<string, JwksKey> keys) => _keys = keys;

    public static JwksKeySet Empty { get; } = new(FrozenDictionary<string, JwksKey>.Empty);

    public int Count => _keys.Count;

    public JwksKey? Find(string keyId) => _keys.GetValueOrDefault(keyId);

    /// <exception cref="JsonException">The document is not a JWKS.</exception>
    public static JwksKeySet Parse(ReadOnlyMemory<byte> json)
    {
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
        if (document.RootElement.ValueKind != JsonValueKind.Object ||
            !document.RootElement.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException("A JWKS is an object with a 'keys' array.");
        }

        var usable = new Dictionary<string, JwksKey>(StringComparer.Ordinal);
        foreach (var jwk in keys.EnumerateArray())
        {
            if (TryRead(jwk) is { } key)
            {
                // A kid listed twice is ambiguous: the first one stands, as most libraries do.
                usable.TryAdd(key.KeyId, key);
            }
        }

        return new JwksKeySet(usable.ToFrozenDictionary(StringComparer.Ordinal));
    }

    private static JwksKey? TryRead(JsonElement jwk)
    {
        if (jwk.ValueKind != JsonValueKind.Object || String(jwk, "kid") is not { Length: > 0 and <= 256 } kid ||
            (String(jwk, "use") is { } use && use != "sig"))
        {
            return null;
        }

        var alg = String(jwk, "alg");
        try
        {
            switch (String(jwk, "kty"))
            {
                case "RSA" when alg is null or "RS256":
                    var modulus = Bytes(jwk, "n");
                    var exponent = Bytes(jwk, "e");
                    return modulus is not null && exponent is { Length: > 0 and <= 8 } && modulus.AsSpan().TrimStart((byte)0).Length >= MinRsaModulusBytes
                        ? JwksKey.Rsa(kid, new RSAParameters { Modulus = modulus.AsSpan().TrimStart((byte)0).ToArray(), Exponent = exponent })
                        : null;
                case "EC" when alg is null or "ES256":
                    var x = Bytes(jwk, "x");
                    var y = Bytes(jwk, "y");
                    return String(jwk, "crv") == "P-256" && x is { Length: 32 } && y is { Length: 32 } ? JwksKey.EcP256(kid, x, y) : null;
                default:
                    return null;
            }
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static string? String(JsonElement jwk, string name) =>
        jwk.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static byte[]? Bytes(JsonElement jwk, string name)
    {
        if (String(jwk, name) is not { Length: > 0 and <= 2048 } text)
        {
            return null;
        }

        try
        {
            return System.Buffers.Text.Base64Url.DecodeFromChars(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
