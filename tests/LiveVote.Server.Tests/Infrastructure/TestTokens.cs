using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// Builds viewer tokens by hand (HS256 JWS, as documented) so tests can present forged, tampered and expired ones.
/// Voter keys are per poll: <see cref="TestVoterKeys"/> derives them.
/// </summary>
public static class TestTokens
{
    public const string Issuer = "livevote";
    public const string Audience = "livevote-viewers";

    /// <summary>The key id the server puts in its tokens: the first 8 bytes of SHA-256 of the signing key, as hex.</summary>
    public static string KeyId(string signingKey = LiveVoteServer.TokenSigningKey) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(signingKey)).AsSpan(0, 8));

    public static string Create(
        string subject,
        DateTimeOffset expires,
        string alg = "HS256",
        string? kid = null,
        string issuer = Issuer,
        string audience = Audience,
        string signingKey = LiveVoteServer.TokenSigningKey)
    {
        var header = new JsonObject { ["alg"] = alg, ["typ"] = "JWT", ["kid"] = kid ?? KeyId(signingKey) };
        var payload = new JsonObject
        {
            ["iss"] = issuer,
            ["aud"] = audience,
            ["sub"] = subject,
            ["iat"] = expires.AddHours(-1).ToUnixTimeSeconds(),
            ["exp"] = expires.ToUnixTimeSeconds(),
        };
        return Sign(Encode(header.ToJsonString()) + "." + Encode(payload.ToJsonString()), signingKey);
    }

    public static string Sign(string signingInput, string signingKey = LiveVoteServer.TokenSigningKey) =>
        signingInput + "." + Base64Url.EncodeToString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(signingKey), Encoding.ASCII.GetBytes(signingInput)));

    public static string Encode(string json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));

    public static string Decode(string part) => Encoding.UTF8.GetString(Base64Url.DecodeFromChars(part));

    /// <summary>The token's payload replaced by <paramref name="edit"/>(payload), the original signature kept.</summary>
    public static string WithPayload(string token, Func<string, string> edit)
    {
        var parts = token.Split('.');
        return parts[0] + "." + Encode(edit(Decode(parts[1]))) + "." + parts[2];
    }

    /// <summary>The token with one signature byte flipped.</summary>
    public static string WithFlippedSignature(string token)
    {
        var parts = token.Split('.');
        var signature = Base64Url.DecodeFromChars(parts[2]);
        signature[0] ^= 0x01;
        return parts[0] + "." + parts[1] + "." + Base64Url.EncodeToString(signature);
    }
}
