using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LiveVote.Contracts;

namespace LiveVote.Cli.Loadgen.Registration;

/// <summary>
/// The client's side of the ALTCHA v1 proof of work, as the widget does it: try 0, 1, 2, ... until
/// SHA-256(salt + number) is the challenge, then send base64 of the JSON {algorithm, challenge, number, salt, signature}.
/// It runs before the timed window: the work is the viewer's cost, not the server's.
/// </summary>
internal static class AltchaSolver
{
    private const int MaxDigits = 20;

    public static string Solve(CaptchaChallengeDto challenge)
    {
        ArgumentNullException.ThrowIfNull(challenge);
        Span<byte> target = stackalloc byte[32];
        if (Convert.FromHexString(challenge.Challenge, target, out _, out var written) != System.Buffers.OperationStatus.Done || written != 32)
        {
            throw new InvalidOperationException($"The challenge is not 64 hex characters: {challenge.Challenge}");
        }

        var saltBytes = Encoding.UTF8.GetBytes(challenge.Salt);
        var input = new byte[saltBytes.Length + MaxDigits];
        saltBytes.CopyTo(input, 0);
        Span<byte> hash = stackalloc byte[32];
        for (long number = 0; number <= challenge.Maxnumber; number++)
        {
            Utf8Formatter.TryFormat(number, input.AsSpan(saltBytes.Length), out var digits);
            SHA256.HashData(input.AsSpan(0, saltBytes.Length + digits), hash);
            if (hash.SequenceEqual(target))
            {
                return Encode(challenge, number);
            }
        }

        throw new InvalidOperationException($"No number in 0..{challenge.Maxnumber} solves {challenge.Challenge}.");
    }

    private static string Encode(CaptchaChallengeDto challenge, long number)
    {
        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            writer.WriteString("algorithm", challenge.Algorithm);
            writer.WriteString("challenge", challenge.Challenge);
            writer.WriteNumber("number", number);
            writer.WriteString("salt", challenge.Salt);
            writer.WriteString("signature", challenge.Signature);
            writer.WriteEndObject();
        }

        return Convert.ToBase64String(json.GetBuffer(), 0, (int)json.Length);
    }
}
