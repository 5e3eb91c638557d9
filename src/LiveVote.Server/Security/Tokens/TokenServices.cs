using Microsoft.Extensions.Options;

namespace LiveVote.Server.Security.Tokens;

public static class TokenServices
{
    /// <summary>Viewer tokens: ours (HS256, rotating keys) and, when configured, an external issuer's (JWKS).</summary>
    public static WebApplicationBuilder AddViewerTokens(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<ExternalTokenOptions>().BindConfiguration(ExternalTokenOptions.Section)
            .Validate(o => o.IsValid(),
                "LiveVote:Tokens:External needs Issuer, Audience and an https JwksUrl (http only to loopback), positive intervals with " +
                "MinRefreshInterval <= RefreshInterval, and a ClockSkew of at most 5 minutes.")
            .ValidateOnStart();
        builder.Services.AddHttpClient(JwksCache.HttpClientName).ConfigureHttpClient((services, client) =>
        {
            client.Timeout = services.GetRequiredService<IOptions<ExternalTokenOptions>>().Value.FetchTimeout;
            client.MaxResponseContentBufferSize = JwksCache.MaxDocumentBytes;
        });
        builder.Services.AddSingleton<JwksCache>();
        builder.Services.AddSingleton<ExternalTokens>();
        builder.Services.AddHostedService<JwksRefresher>();
        builder.Services.AddSingleton<ViewerTokens>();
        return builder;
    }
}
