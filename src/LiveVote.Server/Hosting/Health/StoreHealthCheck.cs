using LiveVote.Server.Storage.Postgres;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LiveVote.Server.Hosting.Health;

/// <summary>
/// Every store partition: its writer runs and its store answers a ping now (the partitions are pinged at once: one
/// slow cluster must not add its wait to the others'). Healthy or unhealthy as <see cref="StoreReadiness.Decide(IReadOnlyList{PartitionCheck})"/>
/// rules (with several partitions, one cluster down leaves the node ready); the description is its detail, which
/// <c>/readyz</c> shows as before.
/// </summary>
internal sealed class StoreHealthCheck(StoreProbes probes, IEnumerable<ClusterStateMonitor> monitors) : IHealthCheck
{
    public const string Name = "store";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var ordered = monitors.OrderBy(m => m.Partition).ToList();
        var states = ordered.ToDictionary(m => m.Partition, m => m.Current);
        var count = Math.Max(probes.Partitions.Count, ordered.Count == 0 ? 0 : ordered[^1].Partition + 1);

        var checks = await Task.WhenAll(Enumerable.Range(0, count).Select(partition => CheckAsync(partition, states, cancellationToken)));
        var (ready, detail) = StoreReadiness.Decide(checks);
        return ready ? HealthCheckResult.Healthy(detail) : HealthCheckResult.Unhealthy(detail);
    }

    private async Task<PartitionCheck> CheckAsync(int partition, Dictionary<int, ClusterState> states, CancellationToken cancellationToken)
    {
        var state = states.GetValueOrDefault(partition);

        // A partition with a monitor but no probe has no writer on this node: nothing routed to it can become durable.
        if (partition >= probes.Partitions.Count || probes.Partitions[partition] is not { } probe || !probe.WriterRunning())
        {
            return new PartitionCheck(partition, WriterRunning: false, StoreAnswers: false, state);
        }

        return new PartitionCheck(partition, WriterRunning: true, await probe.PingAsync(cancellationToken), state);
    }
}
