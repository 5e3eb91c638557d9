namespace LiveVote.Server.Audit;

public static class AuditSetup
{
    /// <summary>The audit notes every feature that records a decision (risk scoring, the admin-key lockout) writes through.</summary>
    public static WebApplicationBuilder AddAudit(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<AuditNotes>();
        return builder;
    }
}
