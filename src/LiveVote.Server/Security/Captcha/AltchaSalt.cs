using System.Globalization;
using System.Security.Cryptography;

namespace LiveVote.Server.Security.Captcha;

/// <summary>
/// An ALTCHA salt carries its parameters: <c>&lt;random hex&gt;?expires=&lt;unix seconds&gt;&amp;</c>. The closing '&amp;'
/// matters (ALTCHA advisory of 2025-12-15, "challenge splicing"): since the hash covers <c>salt + number</c>, a client
/// could otherwise move leading digits of its number into the salt (<c>...expires=1767000000</c> + <c>42</c> becomes
/// <c>...expires=17670000004</c> + <c>2</c>, same hash, same signature) and so stretch the expiry at will. A number is
/// digits only, so a salt that still ends with '&amp;' cannot have been spliced.
/// </summary>
public static class AltchaSalt
{
    public const int MaxLength = 256;
    private const int MaxExpiryDigits = 12;

    public enum Check
    {
        Valid,

        /// <summary>Does not end with the delimiter: digits of the number were moved into it.</summary>
        Spliced,

        /// <summary>Not one of our salts: no parameters, or not exactly one numeric <c>expires</c>.</summary>
        Malformed,
    }

    public static string Create(DateTimeOffset expires) =>
        Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) + "?expires=" +
        expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) + "&";

    /// <summary>Reads <c>expires</c> (unix seconds) from a salt, refusing spliced and foreign salts.</summary>
    public static Check TryReadExpiry(string salt, out long expiresUnixSeconds)
    {
        expiresUnixSeconds = 0;
        if (!salt.EndsWith('&'))
        {
            return Check.Spliced;
        }

        var query = salt.IndexOf('?', StringComparison.Ordinal);
        if (query <= 0)
        {
            return Check.Malformed;
        }

        var found = 0;
        foreach (var range in salt.AsSpan(query + 1, salt.Length - query - 2).Split('&'))
        {
            var parameter = salt.AsSpan(query + 1)[range];
            if (!parameter.StartsWith("expires=", StringComparison.Ordinal))
            {
                continue;
            }

            var digits = parameter["expires=".Length..];
            if (digits.IsEmpty || digits.Length > MaxExpiryDigits || digits.ContainsAnyExceptInRange('0', '9') ||
                !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out expiresUnixSeconds))
            {
                return Check.Malformed;
            }

            found++;
        }

        // Twice would be ambiguous (URLSearchParams.get takes the first, Object.fromEntries the last): not ours.
        return found == 1 ? Check.Valid : Check.Malformed;
    }
}
