using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// A real OpenID Connect provider for the operator sign-in tests: OpenIddict's server (in memory, degraded mode: no
/// database) on real Kestrel bound to a free loopback port, with one client (the console) and one operator. Its
/// authorization endpoint signs that operator in at once (no login form: the tests are about LiveVote, not the
/// provider's UI), and it issues real signed ID tokens (ephemeral keys), exchanged for the code with PKCE.
/// </summary>
public sealed class TestOidcProvider : IAsyncDisposable
{
    public const string ClientId = "livevote-console";
    public const string ClientSecret = "test-client-secret-0123456789";
    public const string OperatorName = "Ada Lovelace";
    public const string OperatorSubject = "operator-ada";

    private readonly WebApplication _app;
    private int _authorizations;
    private int _codeExchanges;

    private TestOidcProvider(WebApplication app, Uri authority)
    {
        _app = app;
        Authority = authority;
    }

    /// <summary>The issuer, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Authority { get; }

    /// <summary>Authorization requests the provider granted (an operator signed in there).</summary>
    public int Authorizations => Volatile.Read(ref _authorizations);

    /// <summary>Codes exchanged for tokens at the token endpoint, client secret and PKCE verifier checked.</summary>
    public int CodeExchanges => Volatile.Read(ref _codeExchanges);

    /// <summary>The settings that point a LiveVote server at this provider.</summary>
    public Dictionary<string, string?> ServerSettings() => new()
    {
        ["LiveVote:Operators:Authority"] = Authority.ToString(),
        ["LiveVote:Operators:ClientId"] = ClientId,
        ["LiveVote:Operators:ClientSecret"] = ClientSecret,
    };

    public static async Task<TestOidcProvider> StartAsync()
    {
        var (app, started) = Build();
        await app.StartAsync();
        return started(app);
    }

    /// <summary>Started synchronously: for a test class that must pass the settings to its base constructor.</summary>
    public static TestOidcProvider Start()
    {
        var (app, started) = Build();
        app.Start();
        return started(app);
    }

    private static (WebApplication App, Func<WebApplication, TestOidcProvider> Started) Build()
    {
        TestOidcProvider? provider = null;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddOpenIddict().AddServer(server =>
        {
            server.SetAuthorizationEndpointUris("connect/authorize").SetTokenEndpointUris("connect/token");
            server.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
            server.RegisterScopes(Scopes.OpenId, Scopes.Profile);
            server.AddEphemeralEncryptionKey().AddEphemeralSigningKey();
            server.DisableAccessTokenEncryption();

            // Degraded mode: no application or token store; the handlers below check the one client themselves.
            server.EnableDegradedMode();
            server.UseAspNetCore().DisableTransportSecurityRequirement();

            server.AddEventHandler<OpenIddictServerEvents.ValidateAuthorizationRequestContext>(handler => handler.UseInlineHandler(context =>
            {
                if (!string.Equals(context.ClientId, ClientId, StringComparison.Ordinal))
                {
                    context.Reject(Errors.InvalidClient, "Unknown client.");
                }
                else if (!Uri.TryCreate(context.RedirectUri, UriKind.Absolute, out var redirect) || !redirect.IsLoopback
                    || redirect.AbsolutePath != "/admin/signed-in")
                {
                    context.Reject(Errors.InvalidRequest, "The redirect_uri is not the console's.");
                }

                return default;
            }));
            server.AddEventHandler<OpenIddictServerEvents.ValidateTokenRequestContext>(handler => handler.UseInlineHandler(context =>
            {
                if (!string.Equals(context.ClientId, ClientId, StringComparison.Ordinal)
                    || !string.Equals(context.ClientSecret, ClientSecret, StringComparison.Ordinal))
                {
                    context.Reject(Errors.InvalidClient, "Wrong client credentials.");
                }
                else
                {
                    Interlocked.Increment(ref provider!._codeExchanges);
                }

                return default;
            }));
            server.AddEventHandler<OpenIddictServerEvents.HandleAuthorizationRequestContext>(handler => handler.UseInlineHandler(context =>
            {
                // The provider's "login": the test operator, approved at once.
                var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
                identity.AddClaim(new Claim(Claims.Subject, OperatorSubject));
                identity.AddClaim(new Claim(Claims.Name, OperatorName));
                identity.AddClaim(new Claim(Claims.PreferredUsername, "ada"));
                identity.SetScopes(context.Request.GetScopes());
                identity.SetDestinations(static _ => [Destinations.AccessToken, Destinations.IdentityToken]);
                Interlocked.Increment(ref provider!._authorizations);
                context.SignIn(new ClaimsPrincipal(identity));
                return default;
            }));
        });

        var app = builder.Build();
        app.UseAuthentication();
        return (app, started =>
        {
            // The handlers above count into this instance; it exists once the port is known.
            provider = new TestOidcProvider(started, new Uri(started.Urls.Single().TrimEnd('/') + "/"));
            return provider;
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
