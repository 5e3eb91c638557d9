using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LiveVote.Server.Hosting.Health;

/// <summary>
/// Every partition's batch writer runs: a stopped writer makes no vote durable, whatever the store says. Cheap (no
/// I/O). Its description uses the words of <see cref="StoreHealthCheck"/>'s detail, which already names a stopped
/// writer, so <c>/readyz</c> does not say it twice.
/// </summary>
internal sealed class WriterHealthCheck(StoreProbes probes) : IHealthCheck
{
    public const string Name = "writer";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var stopped = probes.Partitions.Select((probe, partition) => (probe, partition)).Where(p => !p.probe.WriterRunning()).Select(p => p.partition).ToList();
        if (stopped.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Healthy());
        }

        var description = probes.Partitions.Count == 1
            ? "writer stopped"
            : string.Join("; ", stopped.Select(p => $"partition {p.ToString(CultureInfo.InvariantCulture)}: writer stopped"));
        return Task.FromResult(HealthCheckResult.Unhealthy(description));
    }
}
