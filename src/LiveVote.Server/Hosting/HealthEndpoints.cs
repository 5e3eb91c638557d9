using LiveVote.Contracts;
using LiveVote.Server.Ingest;
using LiveVote.Server.Security.RateLimiting;
using LiveVote.Server.Storage;
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
        routes.MapGet(ReadyPath, ReadyAsync).WithTags("Health").WithRequestKind(RequestKind.Exempt);
        return routes;
    }

    /// <summary>
    /// Ready: the writer runs and the store answers, so votes can become durable. The body says the store's state
    /// (which primary, which synchronous standby, or what is missing); see <see cref="StoreReadiness"/> for why a
    /// missing synchronous standby alone leaves the node ready.
    /// </summary>
    private static async Task<Results<Ok<HealthDto>, JsonHttpResult<HealthDto>>> ReadyAsync(
        BatchWriter writer, IVoteStore store, [FromServices] ClusterStateMonitor? monitor, CancellationToken cancellationToken)
    {
        if (!writer.IsRunning)
        {
            return TypedResults.Json(
                new HealthDto("not-ready", "writer stopped", StoreReadiness.Describe(monitor?.Current)), statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        var answers = await store.PingAsync(cancellationToken);
        var state = monitor?.Current;
        var (ready, detail) = StoreReadiness.Decide(answers, state);
        var health = new HealthDto(ready ? "ready" : "not-ready", detail, StoreReadiness.Describe(state));
        return ready ? TypedResults.Ok(health) : TypedResults.Json(health, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
