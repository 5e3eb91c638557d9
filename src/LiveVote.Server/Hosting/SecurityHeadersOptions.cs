using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Text.RegularExpressions;

namespace LiveVote.Server.Hosting;

/// <summary>Configuration section <c>LiveVote:Http</c>: response hardening and who may speak for the client's address.</summary>
public sealed partial class HttpSecurityOptions : IValidatableObject
{
    public const string Section = "LiveVote:Http";

    /// <summary>
    /// Who may frame the pages (CSP <c>frame-ancestors</c>), e.g. <c>'self'</c> or <c>https://studio.example</c>.
    /// Empty (the default) means <c>'none'</c>: OBS and vision mixers load <c>/results</c> as a browser source, top-level,
    /// not in a frame, so nobody needs to frame us and clickjacking of the vote page is ruled out.
    /// </summary>
    public IList<string> FrameAncestors { get; } = [];

    /// <summary>
    /// Reverse proxies and load balancers (addresses or CIDR networks, e.g. <c>10.0.0.0/8</c>) whose
    /// <c>X-Forwarded-For</c>/<c>X-Forwarded-Proto</c> are believed. Empty (the default): the client is the connection's
    /// remote address and forwarded headers are ignored, since anyone can send them. Behind a proxy this MUST be set,
    /// or every viewer looks like the proxy to the limits, the risk score and the admin lockout.
    /// </summary>
    public IList<string> TrustedProxies { get; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var source in FrameAncestors)
        {
            if (source is not ("'self'" or "'none'" or "https:") && !HostSource().IsMatch(source))
            {
                yield return new ValidationResult($"{Section}:FrameAncestors: '{source}' is not a CSP source ('self', https://host, https://*.host).",
                    [nameof(FrameAncestors)]);
            }
        }

        foreach (var proxy in TrustedProxies)
        {
            if (!IPNetwork.TryParse(proxy, out _) && !IPAddress.TryParse(proxy, out _))
            {
                yield return new ValidationResult($"{Section}:TrustedProxies: '{proxy}' is neither an IP address nor a CIDR network.",
                    [nameof(TrustedProxies)]);
            }
        }
    }

    /// <summary>The configured proxies as networks (a single address is its /32 or /128).</summary>
    public IEnumerable<IPNetwork> TrustedProxyNetworks() => TrustedProxies.Select(p =>
        IPNetwork.TryParse(p, out var network) ? network : new IPNetwork(IPAddress.Parse(p), IPAddress.Parse(p).GetAddressBytes().Length * 8));

    [GeneratedRegex(@"^(https?://)?(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:([0-9]{1,5}|\*))?$")]
    private static partial Regex HostSource();

    public string FrameAncestorsDirective() => FrameAncestors.Count == 0 ? "'none'" : string.Join(' ', FrameAncestors);
}

/// <summary>
/// Configuration section <c>LiveVote:Cors</c>. Browsers may call the API from another origin only when it is listed
/// here (e.g. the broadcaster's site embedding the vote); none by default: the pages are served from the API's origin.
/// </summary>
public sealed class CorsOriginsOptions : IValidatableObject
{
    public const string Section = "LiveVote:Cors";

    /// <summary>Exact origins (<c>https://www.example.tv</c>): scheme, host and optional port, no path, no wildcard.</summary>
    public IList<string> AllowedOrigins { get; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var origin in AllowedOrigins)
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || uri.AbsolutePath != "/" ||
                origin.EndsWith('/') || !string.IsNullOrEmpty(uri.Query) || origin.Contains('*', StringComparison.Ordinal))
            {
                yield return new ValidationResult($"{Section}:AllowedOrigins: '{origin}' is not an origin like https://www.example.tv.",
                    [nameof(AllowedOrigins)]);
            }
        }
    }
}
