using System.Globalization;
using LiveVote.Server.Storage.Postgres;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LiveVote.Server.Hosting.Health;

/// <summary>
/// PostgreSQL fleet: each partition's primary has a synchronous standby. Missing one is <b>degraded</b>, never
/// unhealthy: every node shares that primary, so taking them all out of the load balancer helps nobody (see
/// <see cref="StoreReadiness"/>); the node stays ready and says so. Reads the monitors' last state (no I/O); healthy
/// with SQLite (no monitor).
/// </summary>
internal sealed class SyncStandbyHealthCheck(IEnumerable<ClusterStateMonitor> monitors) : IHealthCheck
{
    public const string Name = "sync-standby";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Check(monitors.Select(m => (m.Partition, m.Current))));

    public static HealthCheckResult Check(IEnumerable<(int Partition, ClusterState State)> partitions)
    {
        var waiting = partitions.Where(p => p.State.WritesWait).OrderBy(p => p.Partition).ToList();
        return waiting.Count == 0
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Degraded("no synchronous standby: writes wait in partition " +
                string.Join(", ", waiting.Select(p => p.Partition.ToString(CultureInfo.InvariantCulture))));
    }
}
