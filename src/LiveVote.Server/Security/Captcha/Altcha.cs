using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace LiveVote.Server.Security.Captcha;

/// <summary>
/// The ALTCHA v1 proof of work, as the widget and <c>altcha-lib</c> compute it:
/// <c>challenge = hex(SHA-256(salt + number))</c> and <c>signature = hex(HMAC-SHA256(key, challenge))</c>, hex in lower
/// case, strings as UTF-8, the number in decimal. The client finds the number by trying 0, 1, 2, ... up to maxnumber.
/// </summary>
public static class Altcha
{
    public const string Algorithm = "SHA-256";

    public static string ChallengeFor(string salt, long number) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(salt + number.ToString(CultureInfo.InvariantCulture))));

    public static string SignatureFor(byte[] key, string challenge) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(challenge)));
}
