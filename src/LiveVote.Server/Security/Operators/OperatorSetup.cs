using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace LiveVote.Server.Security.Operators;

/// <summary>
/// Named operators: with <see cref="OperatorOptions.Authority"/> set, the console signs in through the broadcaster's
/// OpenID Connect provider (authorization code flow with PKCE) and keeps a cookie session; the admin key keeps working
/// for back ends (and for a console when no provider is configured).
/// </summary>
public static partial class OperatorSetup
{
    public const string CookieScheme = "LiveVoteOperator";
    public const string OidcScheme = "LiveVoteOperatorOidc";

    /// <summary>The session cookie's name. HttpOnly, SameSite=Strict, Secure when the request is https.</summary>
    public const string CookieName = "livevote-operator";

    /// <summary>Where the provider sends the browser back with the code (register it at the provider as the redirect URI).</summary>
    public const string CallbackPath = "/admin/signed-in";

    /// <summary>A show day: the session ends 12 hours after the operator's last request.</summary>
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(12);

    public static WebApplicationBuilder AddOperators(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<OperatorOptions>().BindConfiguration(OperatorOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<CurrentOperator>();

        // Whether to add the handlers is decided here, from configuration as it is at build; a bad Authority is reported
        // by the options' validation at start, so only a usable one gets handlers.
        var options = builder.Configuration.GetSection(OperatorOptions.Section).Get<OperatorOptions>() ?? new OperatorOptions();
        if (!options.Enabled || !Uri.TryCreate(options.Authority, UriKind.Absolute, out var authority))
        {
            return builder;
        }

        builder.Services.AddAuthentication(auth =>
            {
                // No default scheme: only the operator guard reads the cookie, and only on requests that carry it.
                auth.DefaultSignInScheme = CookieScheme;
            })
            .AddCookie(CookieScheme, cookie =>
            {
                cookie.Cookie.Name = CookieName;
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Strict;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                cookie.ExpireTimeSpan = SessionLifetime;
                cookie.SlidingExpiration = true;

                // Never a redirect to a login page: API callers get the admin gate's 401, the console shows its sign-in.
                cookie.Events.OnRedirectToLogin = context => Answer(context.Response, StatusCodes.Status401Unauthorized);
                cookie.Events.OnRedirectToAccessDenied = context => Answer(context.Response, StatusCodes.Status403Forbidden);
            })
            .AddOpenIdConnect(OidcScheme, oidc =>
            {
                oidc.Authority = options.Authority;
                oidc.RequireHttpsMetadata = authority.Scheme == Uri.UriSchemeHttps;
                oidc.ClientId = options.ClientId;
                oidc.ClientSecret = options.ClientSecret.Length > 0 ? options.ClientSecret : null;
                oidc.ResponseType = OpenIdConnectResponseType.Code;
                oidc.UsePkce = true;

                // The code comes back in the query of a top-level GET: the correlation and nonce cookies can then be
                // SameSite=Lax (form_post would need SameSite=None, which browsers refuse without https).
                oidc.ResponseMode = OpenIdConnectResponseMode.Query;
                oidc.CorrelationCookie.SameSite = SameSiteMode.Lax;
                oidc.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                oidc.NonceCookie.SameSite = SameSiteMode.Lax;
                oidc.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                oidc.CallbackPath = CallbackPath;
                oidc.SignInScheme = CookieScheme;
                oidc.MapInboundClaims = false;
                oidc.GetClaimsFromUserInfoEndpoint = true;
                oidc.SaveTokens = false;
                oidc.Scope.Clear();
                foreach (var scope in options.ScopeList())
                {
                    oidc.Scope.Add(scope);
                }

                // Last, after the ID token and the userinfo answer (when the provider has one) were read: the session
                // keeps the operator's name only.
                oidc.Events.OnTicketReceived = context =>
                {
                    context.Principal = OperatorClaims.SessionPrincipal(context.Principal, options.NameClaim);
                    if (context.Principal is null)
                    {
                        context.Fail("The provider's answer names nobody (no name claim, preferred_username or sub).");
                    }

                    return Task.CompletedTask;
                };
                oidc.Events.OnRemoteFailure = context =>
                {
                    // A refused or broken sign-in (the operator cancelled, a stale or replayed callback) is the operator's
                    // business, not a server error: back to the console, which says so.
                    LogSignInFailed(context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("LiveVote.Server.Operators"),
                        context.Failure?.Message ?? "unknown");
                    context.Response.Redirect("/admin?sign-in=failed");
                    context.HandleResponse();
                    return Task.CompletedTask;
                };
            });

        // Keys from the fleet's shared admin key rather than a per-machine key ring (SessionProtection).
        builder.Services.AddOptions<CookieAuthenticationOptions>(CookieScheme)
            .Configure<ServerSecrets>((cookie, secrets) => cookie.DataProtectionProvider = new SessionProtection(secrets.AdminKeyBytes));
        builder.Services.AddOptions<OpenIdConnectOptions>(OidcScheme)
            .Configure<ServerSecrets>((oidc, secrets) => oidc.DataProtectionProvider = new SessionProtection(secrets.AdminKeyBytes));
        return builder;
    }

    /// <summary>
    /// After the admin key's guard: the provider's callback (<see cref="CallbackPath"/>) and the session cookie
    /// (<see cref="OperatorSessionGuard"/>). Nothing when no provider is configured.
    /// </summary>
    public static WebApplication UseOperatorSessions(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (!app.Services.GetRequiredService<IOptions<OperatorOptions>>().Value.Enabled)
        {
            return app;
        }

        app.UseAuthentication();
        app.UseMiddleware<OperatorSessionGuard>();
        return app;
    }

    private static Task Answer(HttpResponse response, int status)
    {
        response.StatusCode = status;
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "An operator's sign-in through the OIDC provider failed: {Reason}")]
    private static partial void LogSignInFailed(ILogger logger, string reason);
}
