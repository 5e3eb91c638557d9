using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using LiveVote.Contracts;

namespace LiveVote.Server.Tests.Security.Captcha;

/// <summary>
/// What an ALTCHA client does, written from the protocol (not from the server's code): fetch a challenge, find the number
/// with hex(SHA-256(salt + number)) == challenge by trying 0..maxnumber, and send base64 of the solution JSON.
/// </summary>
public static class AltchaClient
{
    public const string HmacKey = "test-captcha-hmac-key-0123456789abcdef";

    /// <summary>Settings for a server with a small difficulty, so tests solve challenges in a blink.</summary>
    public static Dictionary<string, string?> Settings(int maxNumber = 2000) => new()
    {
        ["LiveVote:CaptchaHmacKey"] = HmacKey,
        ["LiveVote:Captcha:MaxNumber"] = maxNumber.ToString(CultureInfo.InvariantCulture),
    };

    public static async Task<CaptchaChallengeDto> ChallengeAsync(HttpClient client)
    {
        var response = await client.GetAsync("/v1/captcha/challenge");
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.CaptchaChallengeDto))!;
    }

    public static string Hash(string salt, long number) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(salt + number.ToString(CultureInfo.InvariantCulture))));

    public static string Hmac(string challenge, string key = HmacKey) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(challenge)));

    public static long Solve(CaptchaChallengeDto challenge)
    {
        for (long n = 0; n <= challenge.Maxnumber; n++)
        {
            if (Hash(challenge.Salt, n) == challenge.Challenge)
            {
                return n;
            }
        }

        throw new InvalidOperationException($"No number in 0..{challenge.Maxnumber} solves {challenge.Challenge}.");
    }

    public static string Payload(CaptchaChallengeDto challenge, long number) =>
        Payload(challenge.Algorithm, challenge.Challenge, number, challenge.Salt, challenge.Signature);

    public static string Payload(string algorithm, string challenge, long number, string salt, string signature) =>
        Encode(new JsonObject
        {
            ["algorithm"] = algorithm,
            ["challenge"] = challenge,
            ["number"] = number,
            ["salt"] = salt,
            ["signature"] = signature,
        });

    public static string Encode(JsonNode json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json.ToJsonString()));

    /// <summary>A fresh challenge from the server, solved: the payload and the challenge it answers.</summary>
    public static async Task<(string Payload, CaptchaChallengeDto Challenge, long Number)> SolvedAsync(HttpClient client)
    {
        var challenge = await ChallengeAsync(client);
        var number = Solve(challenge);
        return (Payload(challenge, number), challenge, number);
    }

    public static Task<HttpResponseMessage> RegisterAsync(HttpClient client, string? captcha, string? displayName = null) =>
        client.PostAsJsonAsync("/v1/viewers", new RegisterViewerRequest(displayName, captcha), ContractsJsonContext.Default.RegisterViewerRequest);
}
