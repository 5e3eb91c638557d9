using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LiveVote.Server.Tests.Security.Tokens;

/// <summary>
/// A broadcaster's OIDC issuer, as far as the server can see it: keys made in the test, a JWKS document and an OIDC
/// discovery document naming it served over real HTTP on 127.0.0.1, and tokens signed the way RFC 7515/7518 say (RS256:
/// RSASSA-PKCS1-v1_5 with SHA-256; ES256: ECDSA P-256 with SHA-256, signature r||s).
/// </summary>
public sealed class LocalIssuer : IAsyncDisposable
{
    public const string Issuer = "https://accounts.broadcaster.test/realms/livevote-viewers";
    public const string Audience = "livevote";
    private LoopbackApp _app = null!;
    private volatile string _jwks = "{\"keys\":[]}";
    private volatile string? _discoveredJwksUri;
    private volatile TaskCompletionSource? _hang;
    private int _fetches;
    private int _discoveryFetches;
    private int _hangingFetches;

    /// <summary>Where the server finds the issuer's keys.</summary>
    public enum KeySource
    {
        JwksUrl,
        MetadataAddress,
        Authority,
    }

    public RSA RsaKey { get; } = RSA.Create(2048);

    public ECDsa EcKey { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public const string RsaKid = "rsa-key-1";

    public const string EcKid = "ec-key-1";

    public Uri JwksUrl => _app.Url("/.well-known/jwks.json");

    public Uri MetadataAddress => _app.Url("/.well-known/openid-configuration");

    /// <summary>JWKS requests received, answered or still hanging.</summary>
    public int Fetches => Volatile.Read(ref _fetches);

    public int DiscoveryFetches => Volatile.Read(ref _discoveryFetches);

    /// <summary>JWKS requests held by <see cref="Hang"/> that have not been answered yet.</summary>
    public int HangingFetches => Volatile.Read(ref _hangingFetches);

    /// <summary>The <c>jwks_uri</c> the discovery document names (default: <see cref="JwksUrl"/>).</summary>
    public string DiscoveredJwksUri
    {
        get => _discoveredJwksUri ?? JwksUrl.ToString();
        set => _discoveredJwksUri = value;
    }

    public static async Task<LocalIssuer> StartAsync()
    {
        var issuer = new LocalIssuer();
        issuer.Publish(RsaJwk(issuer.RsaKey, RsaKid), EcJwk(issuer.EcKey, EcKid));
        issuer._app = await LoopbackApp.StartAsync(app =>
        {
            app.MapGet("/.well-known/jwks.json", issuer.JwksAsync);
            app.MapGet("/.well-known/openid-configuration", () =>
            {
                Interlocked.Increment(ref issuer._discoveryFetches);
                var document = new JsonObject { ["issuer"] = Issuer, ["jwks_uri"] = issuer.DiscoveredJwksUri };
                return Microsoft.AspNetCore.Http.Results.Text(document.ToJsonString(), "application/json");
            });
        });
        return issuer;
    }

    /// <summary>The settings that make the server trust this issuer, finding its keys through <paramref name="source"/>.</summary>
    public Dictionary<string, string?> Settings(string minRefreshInterval = "00:00:30", KeySource source = KeySource.JwksUrl)
    {
        var settings = new Dictionary<string, string?>
        {
            ["LiveVote:Tokens:External:Issuer"] = Issuer,
            ["LiveVote:Tokens:External:Audience"] = Audience,
            ["LiveVote:Tokens:External:MinRefreshInterval"] = minRefreshInterval,
        };
        settings["LiveVote:Tokens:External:" + source] = source switch
        {
            KeySource.JwksUrl => JwksUrl.ToString(),
            KeySource.MetadataAddress => MetadataAddress.ToString(),
            _ => _app.BaseUrl.ToString(),
        };
        return settings;
    }

    /// <summary>From now on the JWKS endpoint holds each request unanswered until <see cref="Answer"/>.</summary>
    public void Hang() => _hang = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Answers the held requests, and the next ones at once.</summary>
    public void Answer() => Interlocked.Exchange(ref _hang, null)?.TrySetResult();

    public void Publish(params JsonObject[] keys) => _jwks = new JsonObject { ["keys"] = new JsonArray([.. keys]) }.ToJsonString();

    public static JsonObject RsaJwk(RSA key, string kid)
    {
        var parameters = key.ExportParameters(false);
        return new JsonObject
        {
            ["kty"] = "RSA", ["use"] = "sig", ["alg"] = "RS256", ["kid"] = kid,
            ["n"] = Base64Url.EncodeToString(parameters.Modulus), ["e"] = Base64Url.EncodeToString(parameters.Exponent),
        };
    }

    public static JsonObject EcJwk(ECDsa key, string kid)
    {
        var parameters = key.ExportParameters(false);
        return new JsonObject
        {
            ["kty"] = "EC", ["crv"] = "P-256", ["kid"] = kid,
            ["x"] = Base64Url.EncodeToString(parameters.Q.X), ["y"] = Base64Url.EncodeToString(parameters.Q.Y),
        };
    }

    public static JsonObject Claims(string subject, DateTimeOffset? expires = null, string issuer = Issuer, JsonNode? audience = null) => new()
    {
        ["iss"] = issuer,
        ["aud"] = audience ?? Audience,
        ["sub"] = subject,
        ["iat"] = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds(),
        ["exp"] = (expires ?? DateTimeOffset.UtcNow.AddHours(1)).ToUnixTimeSeconds(),
    };

    public string Rs256(JsonObject claims, RSA? key = null, string? kid = null) =>
        Sign("RS256", kid ?? RsaKid, claims, input => (key ?? RsaKey).SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

    public string Es256(JsonObject claims, ECDsa? key = null, string? kid = null) =>
        Sign("ES256", kid ?? EcKid, claims, input => (key ?? EcKey).SignData(input, HashAlgorithmName.SHA256));

    public static string Sign(string alg, string kid, JsonObject claims, Func<byte[], byte[]> sign)
    {
        var header = new JsonObject { ["alg"] = alg, ["typ"] = "JWT", ["kid"] = kid };
        var input = Encode(header) + "." + Encode(claims);
        return input + "." + Base64Url.EncodeToString(sign(Encoding.ASCII.GetBytes(input)));
    }

    public async ValueTask DisposeAsync()
    {
        Answer();
        await _app.DisposeAsync();
        RsaKey.Dispose();
        EcKey.Dispose();
    }

    private async Task<IResult> JwksAsync()
    {
        Interlocked.Increment(ref _fetches);
        if (_hang is { } hang)
        {
            Interlocked.Increment(ref _hangingFetches);
            await hang.Task;
            Interlocked.Decrement(ref _hangingFetches);
        }

        return Microsoft.AspNetCore.Http.Results.Text(_jwks, "application/json");
    }

    private static string Encode(JsonNode json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json.ToJsonString()));
}
