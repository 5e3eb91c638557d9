using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace LiveVote.Server.Security.Captcha;

/// <summary>
/// The ALTCHA v1 proof of work, as the widget and <c>altcha-lib</c> compute it:
/// <c>challenge = hex(SHA-256(salt + number))</c> and <c>signature = hex(HMAC-SHA256(key, challenge))</c>, hex in lower
/// case, strings as UTF-8, the number in decimal. The client finds the number by trying 0, 1, 2, ... up to maxnumber.
/// The span forms (<see cref="HashSolution"/>, <see cref="Sign"/>) give the raw 32 bytes without a string: verification
/// compares those with the hex the client sent, decoded, which is the same test since that hex is checked to be lower case.
/// </summary>
public static class Altcha
{
    public const string Algorithm = "SHA-256";

    /// <summary>A salt is at most <see cref="AltchaSalt.MaxLength"/> characters: up to 3 UTF-8 bytes each, plus the number.</summary>
    private const int MaxStackInput = (3 * AltchaSalt.MaxLength) + 20;

    public static string ChallengeFor(string salt, long number)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        HashSolution(salt, number, hash);
        return Convert.ToHexStringLower(hash);
    }

    public static string SignatureFor(byte[] key, string challenge)
    {
        Span<byte> signature = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Sign(key, challenge, signature);
        return Convert.ToHexStringLower(signature);
    }

    /// <summary>SHA-256 of the UTF-8 of <c>salt + number</c> (decimal) into <paramref name="hash"/> (32 bytes).</summary>
    public static void HashSolution(string salt, long number, Span<byte> hash)
    {
        ArgumentNullException.ThrowIfNull(salt);
        var length = Encoding.UTF8.GetMaxByteCount(salt.Length) + 20;
        var input = length <= MaxStackInput ? stackalloc byte[length] : new byte[length];
        var saltLength = Encoding.UTF8.GetBytes(salt, input);
        number.TryFormat(input[saltLength..], out var digits, default, CultureInfo.InvariantCulture);
        SHA256.HashData(input[..(saltLength + digits)], hash);
    }

    /// <summary>HMAC-SHA256 of the UTF-8 of <paramref name="challenge"/> into <paramref name="signature"/> (32 bytes).</summary>
    public static void Sign(byte[] key, string challenge, Span<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(challenge);
        var length = Encoding.UTF8.GetMaxByteCount(challenge.Length);
        var input = length <= MaxStackInput ? stackalloc byte[length] : new byte[length];
        HMACSHA256.HashData(key, input[..Encoding.UTF8.GetBytes(challenge, input)], signature);
    }
}
