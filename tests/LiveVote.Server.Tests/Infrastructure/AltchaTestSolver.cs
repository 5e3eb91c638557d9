using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using LiveVote.Contracts;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// Solves an ALTCHA v1 challenge the way the widget does: tries 0..maxnumber until SHA-256(salt + number) is the
/// challenge, then encodes the solution as base64 JSON. Tests configure a tiny maxnumber so this is instant.
/// </summary>
public static class AltchaTestSolver
{
    public static string Solve(CaptchaChallengeDto challenge)
    {
        for (long number = 0; number <= challenge.Maxnumber; number++)
        {
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(challenge.Salt + number.ToString(CultureInfo.InvariantCulture))));
            if (hash == challenge.Challenge)
            {
                var json = new JsonObject
                {
                    ["algorithm"] = challenge.Algorithm,
                    ["challenge"] = challenge.Challenge,
                    ["number"] = number,
                    ["salt"] = challenge.Salt,
                    ["signature"] = challenge.Signature,
                };
                return Convert.ToBase64String(Encoding.UTF8.GetBytes(json.ToJsonString()));
            }
        }

        throw new InvalidOperationException("The challenge has no solution up to maxnumber.");
    }
}
