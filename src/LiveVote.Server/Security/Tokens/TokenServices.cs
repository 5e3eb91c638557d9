using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Logging;

namespace LiveVote.Server.Security.Tokens;

public static class TokenServices
{
    /// <summary>
    /// Viewer tokens: ours (HS256, rotating keys) and, when configured, an external issuer's (JWKS or OIDC discovery,
    /// through Microsoft.IdentityModel).
    /// </summary>
    public static WebApplicationBuilder AddViewerTokens(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<ExternalTokenOptions>().BindConfiguration(ExternalTokenOptions.Section)
            .Validate(o => o.IsValid(),
                "LiveVote:Tokens:External needs Issuer, Audience and exactly one of JwksUrl, MetadataAddress or Authority " +
                "(https; http only to loopback), positive intervals with MinRefreshInterval <= RefreshInterval, and a ClockSkew of at most 5 minutes.")
            .ValidateOnStart();
        builder.Services.AddHttpClient(IssuerDocuments.HttpClientName).ConfigureHttpClient((services, client) =>
        {
            client.Timeout = services.GetRequiredService<IOptions<ExternalTokenOptions>>().Value.FetchTimeout;
            client.MaxResponseContentBufferSize = IssuerDocuments.MaxDocumentBytes;
        });

        // The library's messages (its exceptions, its EventSource) name no personal data or token contents: both switches
        // stay off whatever else in the process turned them on.
        IdentityModelEventSource.ShowPII = false;
        IdentityModelEventSource.LogCompleteSecurityArtifact = false;

        builder.Services.AddSingleton<ExternalIssuerKeys>();
        builder.Services.AddSingleton<ExternalTokens>();
        builder.Services.AddHostedService<ExternalKeysRefresher>();
        builder.Services.AddSingleton<ViewerTokens>();
        return builder;
    }
}
