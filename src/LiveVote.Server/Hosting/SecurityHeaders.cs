using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace LiveVote.Server.Hosting;

/// <summary>
/// Hardening of every response: security headers, a strict Content-Security-Policy on the pages, CORS for configured
/// origins only, and (when trusted proxies are configured) the client address from <c>X-Forwarded-For</c>.
/// </summary>
public static class SecurityHeaders
{
    public const string CorsPolicy = "configured-origins";

    /// <summary>
    /// Options of <see cref="UseHardening"/>, validated at start, and CORS when origins are configured. The request
    /// header size limits live with the other Kestrel limits in <see cref="LiveVoteServices.AddHttp"/>.
    /// </summary>
    public static WebApplicationBuilder AddHardening(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<HttpSecurityOptions>().BindConfiguration(HttpSecurityOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<CorsOriginsOptions>().BindConfiguration(CorsOriginsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddCors();
        builder.Services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>().Configure<IOptions<CorsOriginsOptions>>((cors, origins) =>
            cors.AddPolicy(CorsPolicy, policy => policy
                .WithOrigins([.. origins.Value.AllowedOrigins])
                .WithMethods(HttpMethods.Get, HttpMethods.Post)

                // Bearer tokens, not cookies: no credentials mode. X-Captcha carries a challenged vote's solution.
                .WithHeaders("Content-Type", "Authorization", "X-Captcha", "If-None-Match")
                .WithExposedHeaders("Retry-After", "ETag")
                .SetPreflightMaxAge(TimeSpan.FromMinutes(10))));
        return builder;
    }

    /// <summary>
    /// First in the pipeline: forwarded headers (if trusted proxies are set), security headers, the HEAD method case
    /// and request charset checks, CORS (if origins are set).
    /// </summary>
    public static WebApplication UseHardening(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var http = app.Services.GetRequiredService<IOptions<HttpSecurityOptions>>().Value;
        if (http.TrustedProxies.Count > 0)
        {
            var forwarded = new ForwardedHeadersOptions
            {
                ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,

                // Walk back through every trusted hop (CDN, then load balancer); it stops at the first untrusted address.
                ForwardLimit = null,
            };
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var network in http.TrustedProxyNetworks())
            {
                forwarded.KnownIPNetworks.Add(network);
            }

            app.UseForwardedHeaders(forwarded);
        }

        app.UseMiddleware<SecurityHeadersMiddleware>();
        app.UseMiddleware<HeadMethodCaseGuard>();
        app.UseMiddleware<RequestCharsetGuard>();
        if (app.Services.GetRequiredService<IOptions<CorsOriginsOptions>>().Value.AllowedOrigins.Count > 0)
        {
            app.UseCors(CorsPolicy);
        }

        return app;
    }
}

/// <summary>
/// Adds the security headers to every response just before it starts, whoever produced it (endpoint, static file,
/// error handler, rate limiter). HTML (and scripts) get the page policy; everything else a policy that allows nothing,
/// since JSON and event streams are never rendered as documents.
/// </summary>
internal sealed class SecurityHeadersMiddleware
{
    private static readonly StringValues NoSniff = "nosniff";
    private static readonly StringValues NoReferrer = "no-referrer";
    private static readonly StringValues SameOrigin = "same-origin";
    private static readonly StringValues Deny = "DENY";
    private static readonly StringValues SameOriginFrames = "SAMEORIGIN";
    private static readonly StringValues NoFeatures =
        "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()";

    private readonly RequestDelegate _next;
    private readonly StringValues _pagePolicy;
    private readonly StringValues _apiPolicy;
    private readonly StringValues _selfFramedPagePolicy;
    private readonly bool _denyFraming;
    private readonly Func<object, Task> _addHeaders;

    public SecurityHeadersMiddleware(RequestDelegate next, IOptions<HttpSecurityOptions> options)
    {
        _next = next;
        var frameAncestors = options.Value.FrameAncestorsDirective();

        // The on-air graphic may also be framed by its own origin: the console previews it in a frame. It has no action
        // to click, so framing it by our own pages opens no clickjacking; other origins still need the setting.
        _pagePolicy = PagePolicy(frameAncestors);
        _selfFramedPagePolicy = PagePolicy(string.Join(' ', options.Value.FrameAncestors.Where(a => a != "'self'").Prepend("'self'")));
        _apiPolicy = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
        _denyFraming = frameAncestors == "'none'";
        _addHeaders = state =>
        {
            Apply(((HttpContext)state).Response);
            return Task.CompletedTask;
        };
    }

    /// <summary>
    /// No inline script or style anywhere (the pages load theirs from /js and /css); fetch and EventSource go to our own
    /// origin only; images are ours or data: URIs (the favicon, inline SVG icons).
    /// </summary>
    private static string PagePolicy(string frameAncestors) =>
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "worker-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; " +
        $"frame-ancestors {frameAncestors}";

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(_addHeaders, context);
        return _next(context);
    }

    private void Apply(HttpResponse response)
    {
        var headers = response.Headers;
        headers.XContentTypeOptions = NoSniff;
        headers["Referrer-Policy"] = NoReferrer;
        headers["Permissions-Policy"] = NoFeatures;
        headers["Cross-Origin-Opener-Policy"] = SameOrigin;

        // A 304 has no Content-Type, and the browser merges its headers into the cached response: the API policy here
        // would replace a page's own and block its scripts after every reload. The cached policy stands.
        if (response.StatusCode == StatusCodes.Status304NotModified)
        {
            return;
        }

        var isPage = IsPageOrScript(response.ContentType);
        var metadata = response.HttpContext.GetEndpoint()?.Metadata;
        var selfFramed = isPage && metadata?.GetMetadata<SelfFramedPage>() is not null;
        headers.ContentSecurityPolicy = !isPage ? _apiPolicy
            : metadata?.GetMetadata<OpenApi.ContentSecurityPolicyOverride>() is { } relaxed ? relaxed.Policy
            : selfFramed ? _selfFramedPagePolicy
            : _pagePolicy;

        // X-Frame-Options can only say "nobody" or "same origin": with configured ancestors, CSP alone speaks.
        if (!isPage || (_denyFraming && !selfFramed))
        {
            headers.XFrameOptions = Deny;
        }
        else if (_denyFraming)
        {
            headers.XFrameOptions = SameOriginFrames;
        }
    }

    /// <summary>
    /// Pages, and scripts too: a worker script runs under the policy of its own response, so it needs the page policy
    /// to import its modules (the CAPTCHA solver runs in a worker).
    /// </summary>
    private static bool IsPageOrScript(string? contentType) =>
        contentType is not null &&
        (contentType.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) ||
         contentType.StartsWith("text/javascript", StringComparison.OrdinalIgnoreCase) ||
         contentType.StartsWith("application/javascript", StringComparison.OrdinalIgnoreCase));
}

/// <summary>
/// Endpoint metadata of a page that its own origin may frame (the on-air graphic, previewed in the console), besides
/// the configured <c>LiveVote:Http:FrameAncestors</c>.
/// </summary>
internal sealed class SelfFramedPage
{
    public static readonly SelfFramedPage Instance = new();

    private SelfFramedPage()
    {
    }
}
