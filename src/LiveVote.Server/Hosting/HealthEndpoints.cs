using LiveVote.Contracts;
using LiveVote.Server.Security.RateLimiting;
using LiveVote.Server.Storage.Postgres;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace LiveVote.Server.Hosting;

public static class HealthEndpoints
{
    public const string LivePath = "/healthz";
    public const string ReadyPath = "/readyz";

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder routes)
    {
        // Alive: the process answers. Cheap on purpose: orchestrators call it often. Neither probe is limited: an
        // overloaded node must still say how it is.
        routes.MapGet(LivePath, () => TypedResults.Ok(new HealthDto("alive", null))).WithTags("Health").WithRequestKind(RequestKind.Exempt);
        routes.MapGet(ReadyPath, ReadyAsync).WithTags("Health").WithRequestKind(RequestKind.Exempt)
            .Produces<HealthDto>(StatusCodes.Status503ServiceUnavailable, "application/json");
        return routes;
    }

    /// <summary>
    /// Ready: in every store partition the writer runs and the store answers, so any vote can become durable. The body
    /// says each partition's state (which primary, which synchronous standby, or what is missing); see
    /// <see cref="StoreReadiness"/> for why a missing synchronous standby alone leaves the node ready.
    /// </summary>
    private static async Task<Results<Ok<HealthDto>, JsonHttpResult<HealthDto>>> ReadyAsync(
        [FromServices] StoreProbes probes, [FromServices] IEnumerable<ClusterStateMonitor> monitors, CancellationToken cancellationToken)
    {
        var ordered = monitors.OrderBy(m => m.Partition).ToList();
        var states = ordered.ToDictionary(m => m.Partition, m => m.Current);
        var count = Math.Max(probes.Partitions.Count, ordered.Count == 0 ? 0 : ordered[^1].Partition + 1);

        // The partitions are pinged at once: one slow cluster must not add its wait to the others'.
        var checks = await Task.WhenAll(Enumerable.Range(0, count).Select(partition => CheckAsync(partition, probes, states, cancellationToken)));
        var (ready, detail) = StoreReadiness.Decide(checks);
        var partitions = StoreReadiness.DescribeAll(ordered);
        var health = new HealthDto(ready ? "ready" : "not-ready", detail, partitions[0], partitions);
        return ready ? TypedResults.Ok(health) : TypedResults.Json(health, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<PartitionCheck> CheckAsync(
        int partition, StoreProbes probes, Dictionary<int, ClusterState> states, CancellationToken cancellationToken)
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
