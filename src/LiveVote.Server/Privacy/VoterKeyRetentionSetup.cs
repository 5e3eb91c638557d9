namespace LiveVote.Server.Privacy;

public static class VoterKeyRetentionSetup
{
    /// <summary>The audit period (<c>LiveVote:Privacy:AuditPeriod</c>) and the service that destroys voter-key secrets after it.</summary>
    public static WebApplicationBuilder AddVoterKeyRetention(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<VoterKeyRetentionOptions>().BindConfiguration(VoterKeyRetentionOptions.Section)
            .Validate(o => o.IsValid(), "LiveVote:Privacy:AuditPeriod must be between 00:00:01 and 3650.00:00:00.")
            .ValidateOnStart();
        builder.Services.AddHostedService<VoterKeyRetention>();
        return builder;
    }
}
