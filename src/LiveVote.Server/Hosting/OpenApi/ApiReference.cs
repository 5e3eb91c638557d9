using Scalar.AspNetCore;

namespace LiveVote.Server.Hosting.OpenApi;

/// <summary>
/// The Scalar reference UI of the OpenAPI document at <c>/scalar</c>, in Development only: a page that calls the API
/// from the browser is a developer's tool, not something a production node should serve.
/// </summary>
public static class ApiReference
{
    public const string Path = "/scalar";

    /// <summary>
    /// Scalar's page starts itself with an inline script and its components set inline styles, which the pages' strict
    /// policy forbids (<see cref="SecurityHeaders"/>). Only its own routes, only in Development, get this policy: scripts
    /// and styles inline, everything else still from our own origin (its fonts are bundled, not fetched from a CDN).
    /// </summary>
    public const string Policy =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "connect-src 'self'; worker-src 'self' blob:; font-src 'self' data:; object-src 'none'; base-uri 'none'; " +
        "form-action 'self'; frame-ancestors 'none'";

    public static IEndpointConventionBuilder MapApiReference(this IEndpointRouteBuilder routes) =>
        routes.MapScalarApiReference(Path, options => options
                .WithTitle("LiveVote API")
                .WithOpenApiRoutePattern(ApiDocument.PathPattern)
                .DisableDefaultFonts())
            .WithMetadata(new ContentSecurityPolicyOverride(Policy));
}

/// <summary>Endpoint metadata: the Content-Security-Policy its HTML and scripts get instead of the pages' policy.</summary>
internal sealed class ContentSecurityPolicyOverride(string policy)
{
    public string Policy { get; } = policy;
}
