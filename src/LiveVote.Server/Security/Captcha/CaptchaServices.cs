using Microsoft.Extensions.Options;

namespace LiveVote.Server.Security.Captcha;

public static class CaptchaServices
{
    /// <summary>The CAPTCHA that guards public registration, chosen by <c>LiveVote:Captcha:Provider</c>.</summary>
    public static WebApplicationBuilder AddCaptcha(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<CaptchaOptions>().BindConfiguration(CaptchaOptions.Section)
            .Validate(o => o.IsValid(),
                "LiveVote:Captcha: Altcha needs MaxNumber 1..100000000, ChallengeExpiry up to 1 hour and UsedChallengeCapacity >= 1; " +
                "Turnstile and HCaptcha need Secret, an https SiteVerifyUrl (http only to loopback) and a positive VerifyTimeout.")
            .ValidateOnStart();
        builder.Services.AddSingleton<AltchaChallenges>();

        // Used challenges are kept in the store's own database (the table StorageSetup registers: the SQLite file, or the
        // PostgreSQL database the fleet shares), so a solution counts once across nodes and restarts. The purge needs the
        // table too: a host without one fails at start, not at its first registration.
        builder.Services.AddSingleton<IUsedChallenges, StoredUsedChallenges>();
        builder.Services.AddHostedService<UsedChallengePurge>();
        builder.Services.AddHttpClient(HostedCaptchaVerifier.HttpClientName).ConfigureHttpClient((services, client) =>
        {
            client.Timeout = services.GetRequiredService<IOptions<CaptchaOptions>>().Value.VerifyTimeout;
            client.MaxResponseContentBufferSize = 64 * 1024;
        });
        builder.Services.AddSingleton<ICaptchaVerifier>(services => new MeteredCaptchaVerifier(
            services.GetRequiredService<IOptions<CaptchaOptions>>().Value.Provider == CaptchaProvider.Altcha
                ? ActivatorUtilities.CreateInstance<AltchaVerifier>(services)
                : ActivatorUtilities.CreateInstance<HostedCaptchaVerifier>(services)));
        return builder;
    }
}
