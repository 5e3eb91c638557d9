namespace LiveVote.Server.Polls;

/// <summary>Configuration key <c>LiveVote:PublicBaseUrl</c>: where viewers reach the vote page.</summary>
public sealed class PublicUrlOptions
{
    public const string Section = "LiveVote";

    /// <summary>
    /// The public address of the vote pages (e.g. <c>https://vote.example.com</c>, or a path under a shared host), as
    /// the audience types it or scans it from the on-air QR code. It is configured, never taken from a request: the
    /// graphics machine reaches the server by whatever host it happens to use (an internal name, an IP), and that must
    /// not go on air. Empty (the default): no vote URL and no QR code.
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>Why <see cref="PublicBaseUrl"/> cannot be used, or null when it can (or is unset).</summary>
    public string? Problem()
    {
        if (string.IsNullOrWhiteSpace(PublicBaseUrl))
        {
            return null;
        }

        if (!Uri.TryCreate(PublicBaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            return $"LiveVote:PublicBaseUrl must be an absolute http or https URL; '{PublicBaseUrl}' is not.";
        }

        // A query or fragment would end up in the middle of every vote URL; credentials would go on air.
        return PublicBaseUrl.Contains('?', StringComparison.Ordinal) || PublicBaseUrl.Contains('#', StringComparison.Ordinal)
            ? $"LiveVote:PublicBaseUrl must have no query or fragment; '{PublicBaseUrl}' has."
            : uri.UserInfo.Length > 0
                ? "LiveVote:PublicBaseUrl must not carry a user name or password."
                : null;
    }

    /// <summary>The base without its trailing slashes (paths are appended with one), or null when unset.</summary>
    public string? Normalized() => string.IsNullOrWhiteSpace(PublicBaseUrl) ? null : PublicBaseUrl.Trim().TrimEnd('/');
}
