using LiveVote.Server.Storage;
using LiveVote.Server.Storage.Sqlite;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Hosting.Health;

/// <summary>
/// The node's health checks (<c>AddHealthChecks</c>), all tagged <see cref="ReadyTag"/>: <c>/readyz</c> is computed from
/// them (<see cref="ReadinessReport"/>); <c>/healthz</c> runs none (liveness only: the process answers).
/// </summary>
public static class HealthSetup
{
    /// <summary>The checks readiness is made of.</summary>
    public const string ReadyTag = "ready";

    public static WebApplicationBuilder AddHealth(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<HealthOptions>().BindConfiguration(HealthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(services => DataFolder.From(
            services.GetRequiredService<IOptions<StorageOptions>>().Value, services.GetRequiredService<IOptions<SqliteOptions>>().Value));
        builder.Services.AddHealthChecks()
            .AddCheck<DrainingHealthCheck>(DrainingHealthCheck.Name, tags: [ReadyTag])
            .AddCheck<WriterHealthCheck>(WriterHealthCheck.Name, tags: [ReadyTag])
            .AddCheck<StoreHealthCheck>(StoreHealthCheck.Name, tags: [ReadyTag])
            .AddCheck<SyncStandbyHealthCheck>(SyncStandbyHealthCheck.Name, tags: [ReadyTag])
            .AddCheck<DiskSpaceHealthCheck>(DiskSpaceHealthCheck.Name, tags: [ReadyTag]);

        // The health check service logs every check that is not healthy at every probe: a load balancer probes every few
        // seconds, so a missing standby would write a warning line per probe per node. The state is in /readyz, the
        // metrics and the alerts; its lines stay off unless configured.
        if (builder.Configuration["Logging:LogLevel:Microsoft.Extensions.Diagnostics.HealthChecks"] is null)
        {
            builder.Logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None);
        }

        return builder;
    }
}
