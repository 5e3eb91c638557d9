using LiveVote.Server.Audit;

namespace LiveVote.Server.Security.Risk;

public static class RiskSetup
{
    /// <summary>The risk score of votes (<see cref="RiskOptions"/>, validated at start). Needs the CAPTCHA services (AddCaptcha).</summary>
    public static WebApplicationBuilder AddRiskScoring(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<RiskOptions>().BindConfiguration(RiskOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<RiskScorer>();
        builder.Services.AddSingleton<VoteRiskGate>();

        // The one registration of the audit-note writer; the admin-key lockout (AddRateLimits) posts through it too.
        return builder;
    }

    /// <summary>Counts successful public registrations per network for the registration-velocity signal.</summary>
    public static WebApplication UseRiskSignals(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseMiddleware<RegistrationSignals>();
        return app;
    }
}
