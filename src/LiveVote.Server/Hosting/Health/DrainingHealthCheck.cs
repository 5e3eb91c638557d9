using LiveVote.Server.Hosting.Shutdown;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LiveVote.Server.Hosting.Health;

/// <summary>Unhealthy from SIGTERM on (<see cref="DrainOnStop"/>): the load balancer takes the node out while it still serves.</summary>
internal sealed class DrainingHealthCheck(Draining draining) : IHealthCheck
{
    public const string Name = "draining";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(draining.IsDraining ? HealthCheckResult.Unhealthy("draining: the node is shutting down") : HealthCheckResult.Healthy());
}
