using System.Buffers;
using System.Text.Json;

namespace LiveVote.Server.Security.Captcha;

/// <summary>
/// What the ALTCHA widget submits: base64 of the JSON <c>{algorithm, challenge, number, salt, signature}</c> (it may add
/// fields such as <c>took</c>, which are ignored). Parsing checks shapes only; <see cref="AltchaVerifier"/> checks meaning.
/// </summary>
public sealed record AltchaSolution(string Algorithm, string Challenge, long Number, string Salt, string Signature)
{
    /// <summary>A real solution is about 300 characters; the cap keeps decoding cheap for junk.</summary>
    public const int MaxEncodedLength = 2048;

    private const int HexSha256Length = 64;
    private static readonly SearchValues<char> LowerHex = SearchValues.Create("0123456789abcdef");

    public static bool TryParse(string encoded, out AltchaSolution? solution)
    {
        solution = null;
        if (encoded.Length > MaxEncodedLength)
        {
            return false;
        }

        Span<byte> json = stackalloc byte[(encoded.Length + 3) / 4 * 3];
        if (!Convert.TryFromBase64String(encoded, json, out var length))
        {
            return false;
        }

        string? algorithm = null, challenge = null, salt = null, signature = null;
        long? number = null;
        try
        {
            var reader = new Utf8JsonReader(json[..length], new JsonReaderOptions { MaxDepth = 4 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                // Names compared in place (escapes undone, as GetString would): no string per property.
                var property = reader.ValueTextEquals("algorithm"u8) ? 1 : reader.ValueTextEquals("challenge"u8) ? 2 :
                    reader.ValueTextEquals("salt"u8) ? 3 : reader.ValueTextEquals("signature"u8) ? 4 : reader.ValueTextEquals("number"u8) ? 5 : 0;
                if (property == 0)
                {
                    _ = reader.GetString(); // Another name (the widget's "took"): still refused when it is not valid UTF-8.
                }

                reader.Read();
                switch (property)
                {
                    case 1:
                        algorithm = StringOrNull(ref reader);
                        break;
                    case 2:
                        challenge = StringOrNull(ref reader);
                        break;
                    case 3:
                        salt = StringOrNull(ref reader);
                        break;
                    case 4:
                        signature = StringOrNull(ref reader);
                        break;
                    case 5:
                        // An integer in JSON: "42", 42.0 or 4.2e1 would each hash differently from the 42 the widget hashed.
                        number = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var n) && n >= 0 &&
                                 !reader.ValueSpan.ContainsAny((byte)'.', (byte)'e', (byte)'E') ? n : null;
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject)
            {
                return false;
            }
        }
        // GetString throws InvalidOperationException on invalid UTF-8: hostile input, not a server error.
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return false;
        }

        if (algorithm != Altcha.Algorithm || !IsLowerHex(challenge) || !IsLowerHex(signature) || number is null ||
            salt is not { Length: > 0 and <= AltchaSalt.MaxLength })
        {
            return false;
        }

        solution = new AltchaSolution(algorithm, challenge!, number.Value, salt, signature!);
        return true;
    }

    private static string? StringOrNull(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        reader.Skip();
        return null;
    }

    private static bool IsLowerHex(string? value) =>
        value is { Length: HexSha256Length } && !value.AsSpan().ContainsAnyExcept(LowerHex);
}
