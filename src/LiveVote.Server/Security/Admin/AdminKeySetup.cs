
namespace LiveVote.Server.Security.Admin;

public static class AdminKeySetup
{
    /// <summary>
    /// The admin-key lockout (its settings are <c>LiveVote:RateLimits:Admin*</c>) and the caps on what wrong keys may
    /// add to the audit trail (through <c>AddAudit</c>'s AuditNotes) and the log.
    /// </summary>
    public static WebApplicationBuilder AddAdminKey(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<AdminLockout>();
        builder.Services.AddSingleton<AdminLockoutNotes>();
        builder.Services.AddSingleton<RefusedAdminLogQuota>();
        return builder;
    }

    /// <summary>
    /// After routing, before the limits: the one comparison of <c>X-Admin-Key</c> and the lockout of networks that
    /// guess (<see cref="AdminKeyGuard"/>).
    /// </summary>
    public static WebApplication UseAdminKeyGuard(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseMiddleware<AdminKeyGuard>();
        return app;
    }

    /// <summary>Last before the endpoints: 401 for admin-only endpoints without a verified key (<see cref="AdminKeyRequirement"/>).</summary>
    public static WebApplication UseAdminKeyRequirement(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseMiddleware<AdminKeyRequirement>();
        return app;
    }
}
