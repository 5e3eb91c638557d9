using LiveVote.Contracts;
using LiveVote.Server.Hosting.Health;
using LiveVote.Server.Security.RateLimiting;
using LiveVote.Server.Storage.Postgres;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Diagnostics.HealthChecks;

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
    /// Ready: computed from the health checks tagged "ready" (<see cref="HealthSetup"/>): not draining, in every store
    /// partition the writer runs and the store answers, so any vote can become durable, and the data's disk has room.
    /// The body says each partition's state (which primary, which synchronous standby, or what is missing); see
    /// <see cref="StoreReadiness"/> for why a missing synchronous standby alone leaves the node ready.
    /// </summary>
    private static async Task<Results<Ok<HealthDto>, JsonHttpResult<HealthDto>>> ReadyAsync(
        [FromServices] HealthCheckService checks, [FromServices] IEnumerable<ClusterStateMonitor> monitors, CancellationToken cancellationToken)
    {
        var report = await checks.CheckHealthAsync(check => check.Tags.Contains(HealthSetup.ReadyTag), cancellationToken);
        var (ready, health) = ReadinessReport.From(report, StoreReadiness.DescribeAll(monitors));
        return ready ? TypedResults.Ok(health) : TypedResults.Json(health, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
