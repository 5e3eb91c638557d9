using System.Text.Json;
using LiveVote.Contracts;

namespace LiveVote.Server.Tests.Security.Captcha;

/// <summary>
/// The vectors <c>vectors/make-vectors.mjs</c> made with the reference implementation, npm <c>altcha-lib</c> (v1 API):
/// challenges it created and solved with <see cref="HmacKey"/>, its own verdict on each payload, and the challenge and
/// signature it computes for fixed salts and numbers.
/// </summary>
public sealed class AltchaLibVectors
{
    private AltchaLibVectors(JsonElement root)
    {
        HmacKey = root.GetProperty("hmacKey").GetString()!;
        Now = DateTimeOffset.FromUnixTimeSeconds(root.GetProperty("now").GetInt64());
        Vectors = [.. root.GetProperty("vectors").EnumerateArray().Select(v => new Vector(
            v.GetProperty("name").GetString()!,
            v.GetProperty("challenge").Deserialize(ContractsJsonContext.Default.CaptchaChallengeDto)!,
            v.GetProperty("number").GetInt64(),
            v.GetProperty("payload").GetString()!,
            v.GetProperty("altchaLibVerified").GetBoolean(),
            v.GetProperty("expected").GetString()!))];
        Computed = [.. root.GetProperty("computed").EnumerateArray().Select(c => new ComputedChallenge(
            c.GetProperty("salt").GetString()!,
            c.GetProperty("number").GetInt64(),
            c.GetProperty("challenge").GetString()!,
            c.GetProperty("signature").GetString()!))];
    }

    public static AltchaLibVectors Instance { get; } = Load();

    public string HmacKey { get; }

    /// <summary>When the vectors were made: the clock the verifier must read to judge their expiry as altcha-lib did.</summary>
    public DateTimeOffset Now { get; }

    public IReadOnlyList<Vector> Vectors { get; }

    public IReadOnlyList<ComputedChallenge> Computed { get; }

    public static TheoryData<string> Names(bool accepted) => [.. Instance.Vectors.Where(v => v.AltchaLibVerified == accepted).Select(v => v.Name)];

    public Vector Named(string name) => Vectors.Single(v => v.Name == name);

    private static AltchaLibVectors Load()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Security", "Captcha", "vectors", "altcha-vectors.json")));
        return new AltchaLibVectors(document.RootElement);
    }

    public sealed record Vector(string Name, CaptchaChallengeDto Challenge, long Number, string Payload, bool AltchaLibVerified, string Expected);

    public sealed record ComputedChallenge(string Salt, long Number, string Challenge, string Signature);
}
