using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace LiveVote.Server.Security.Risk;

/// <summary>
/// Reads the <c>iat</c> (issued at) claim of the bearer token of a request whose token the endpoint has already
/// validated, for the young-account signal. Only the payload is decoded, on the stack; a token without a readable
/// <c>iat</c> simply earns no young-account points.
/// </summary>
public static class TokenIssuedAt
{
    private const int MaxTokenLength = 4096;

    public static DateTimeOffset? Read(string? authorization)
    {
        const string scheme = "Bearer ";
        if (authorization is null || authorization.Length <= scheme.Length || authorization.Length > MaxTokenLength ||
            !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = authorization.AsSpan(scheme.Length).Trim();
        var firstDot = token.IndexOf('.');
        var lastDot = token.LastIndexOf('.');
        if (firstDot <= 0 || lastDot <= firstDot + 1)
        {
            return null;
        }

        var payload = token[(firstDot + 1)..lastDot];
        Span<byte> ascii = stackalloc byte[payload.Length];
        if (Encoding.ASCII.GetBytes(payload, ascii) != payload.Length)
        {
            return null;
        }

        Span<byte> json = stackalloc byte[Base64Url.GetMaxDecodedLength(ascii.Length)];
        if (Base64Url.DecodeFromUtf8(ascii, json, out _, out var written) != OperationStatus.Done)
        {
            return null;
        }

        return ReadIat(json[..written]);
    }

    private static DateTimeOffset? ReadIat(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 8 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isIat = reader.ValueTextEquals("iat"u8);
                reader.Read();
                if (isIat)
                {
                    return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var seconds) &&
                           seconds is > 0 and < 253_402_300_799
                        ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                        : null;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }
}
