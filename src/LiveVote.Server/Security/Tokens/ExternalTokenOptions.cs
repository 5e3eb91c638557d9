namespace LiveVote.Server.Security.Tokens;

/// <summary>
/// Configuration section <c>LiveVote:Tokens:External</c>: an external OIDC issuer (a broadcaster's own accounts) whose
/// RS256/ES256 tokens are honoured as viewer tokens. Its keys come from one of: <see cref="JwksUrl"/> (the JWKS itself),
/// <see cref="MetadataAddress"/> (its OIDC discovery document, whose <c>jwks_uri</c> names the JWKS) or
/// <see cref="Authority"/> (the discovery document at <c>{Authority}/.well-known/openid-configuration</c>). Off while
/// none is set.
/// </summary>
public sealed class ExternalTokenOptions
{
    public const string Section = "LiveVote:Tokens:External";

    /// <summary>The least spacing of two fetches <c>ConfigurationManager</c> honours; shorter settings count as this.</summary>
    public static readonly TimeSpan LibraryMinRefreshInterval = TimeSpan.FromSeconds(1);

    /// <summary>The tokens' <c>iss</c>, exactly; it also prefixes viewer ids (<c>issuer|sub</c>).</summary>
    public string? Issuer { get; set; }

    /// <summary>The <c>aud</c> the tokens must carry (a string, or one entry of an array).</summary>
    public string? Audience { get; set; }

    /// <summary>The issuer's JWKS document (https; plain http only to a loopback address).</summary>
    public string? JwksUrl { get; set; }

    /// <summary>The issuer's OIDC discovery document (https; plain http only to a loopback address).</summary>
    public string? MetadataAddress { get; set; }

    /// <summary>The issuer's base address; its discovery document is at <c>/.well-known/openid-configuration</c> below it.</summary>
    public string? Authority { get; set; }

    /// <summary>How often the keys are fetched again, so keys the issuer adds or retires are picked up.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Least time between two fetches. A token with an unknown <c>kid</c> asks for an early fetch (the issuer may have
    /// rotated); this bounds how often forged kids can make us fetch, and is the retry delay while no keys are loaded.
    /// Below <see cref="LibraryMinRefreshInterval"/> it counts as that.
    /// </summary>
    public TimeSpan MinRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Tolerated clock difference with the issuer for <c>exp</c> and <c>nbf</c>.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan FetchTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public bool Enabled => SourceCount > 0;

    /// <summary>Whether the keys come through an OIDC discovery document rather than straight from a JWKS.</summary>
    public bool UsesDiscovery => string.IsNullOrWhiteSpace(JwksUrl);

    /// <summary>The document fetched first: the JWKS, or the discovery document.</summary>
    public string? DocumentUrl =>
        !string.IsNullOrWhiteSpace(JwksUrl) ? JwksUrl :
        !string.IsNullOrWhiteSpace(MetadataAddress) ? MetadataAddress :
        !string.IsNullOrWhiteSpace(Authority) ? Authority.TrimEnd('/') + "/.well-known/openid-configuration" :
        null;

    /// <summary>The spacing of fetches actually applied (<see cref="MinRefreshInterval"/>, at least the library's floor).</summary>
    public TimeSpan EffectiveMinRefreshInterval =>
        MinRefreshInterval > LibraryMinRefreshInterval ? MinRefreshInterval : LibraryMinRefreshInterval;

    private int SourceCount =>
        (string.IsNullOrWhiteSpace(JwksUrl) ? 0 : 1) + (string.IsNullOrWhiteSpace(MetadataAddress) ? 0 : 1) + (string.IsNullOrWhiteSpace(Authority) ? 0 : 1);

    public bool IsValid() =>
        !Enabled ||
        (SourceCount == 1 && !string.IsNullOrWhiteSpace(Issuer) && !string.IsNullOrWhiteSpace(Audience) && Issuer.Length <= 256 &&
         IsAllowedUrl(DocumentUrl) && RefreshInterval > TimeSpan.Zero && MinRefreshInterval >= TimeSpan.Zero &&
         MinRefreshInterval <= RefreshInterval && ClockSkew >= TimeSpan.Zero && ClockSkew <= TimeSpan.FromMinutes(5) && FetchTimeout > TimeSpan.Zero);

    /// <summary>Keys and verdicts travel over it: https, or plain http to this machine only (tests, a local sidecar).</summary>
    public static bool IsAllowedUrl(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) &&
        (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback));
}
