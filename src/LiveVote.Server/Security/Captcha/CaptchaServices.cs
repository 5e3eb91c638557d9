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

        // One process's memory. A fleet registers its shared store (see IUsedChallenges) after this call: the last one wins.
        builder.Services.AddSingleton<IUsedChallenges, InMemoryUsedChallenges>();
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
