namespace LiveVote.Server.Security.Tokens;

/// <summary>
/// Configuration section <c>LiveVote:Tokens:External</c>: an external OIDC issuer (a broadcaster's own accounts) whose
/// RS256/ES256 tokens are honoured as viewer tokens, verified against its JWKS. Off while <see cref="JwksUrl"/> is empty.
/// </summary>
public sealed class ExternalTokenOptions
{
    public const string Section = "LiveVote:Tokens:External";

    /// <summary>The tokens' <c>iss</c>, exactly; it also prefixes viewer ids (<c>issuer|sub</c>).</summary>
    public string? Issuer { get; set; }

    /// <summary>The <c>aud</c> the tokens must carry (a string, or one entry of an array).</summary>
    public string? Audience { get; set; }

    /// <summary>The issuer's JWKS document (https; plain http only to a loopback address).</summary>
    public string? JwksUrl { get; set; }

    /// <summary>How often the JWKS is fetched again, so keys the issuer adds or retires are picked up.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Least time between two fetches. A token with an unknown <c>kid</c> asks for an early fetch (the issuer may have
    /// rotated); this bounds how often forged kids can make us fetch, and is the retry delay after a failed fetch.
    /// </summary>
    public TimeSpan MinRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Tolerated clock difference with the issuer for <c>exp</c> and <c>nbf</c>.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan FetchTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public bool Enabled => !string.IsNullOrWhiteSpace(JwksUrl);

    public bool IsValid() =>
        !Enabled ||
        (!string.IsNullOrWhiteSpace(Issuer) && !string.IsNullOrWhiteSpace(Audience) && Issuer.Length <= 256 && IsAllowedUrl(JwksUrl) &&
         RefreshInterval > TimeSpan.Zero && MinRefreshInterval >= TimeSpan.Zero && MinRefreshInterval <= RefreshInterval &&
         ClockSkew >= TimeSpan.Zero && ClockSkew <= TimeSpan.FromMinutes(5) && FetchTimeout > TimeSpan.Zero);

    /// <summary>Keys and verdicts travel over it: https, or plain http to this machine only (tests, a local sidecar).</summary>
    public static bool IsAllowedUrl(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) &&
        (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback));
}
