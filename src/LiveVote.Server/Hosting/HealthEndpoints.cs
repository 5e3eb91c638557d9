using LiveVote.Contracts;
using LiveVote.Server.Ingest;
using LiveVote.Server.Security.RateLimiting;
using LiveVote.Server.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

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

    /// <summary>Ready: the writer runs and the store answers, so votes can become durable.</summary>
    private static async Task<Results<Ok<HealthDto>, JsonHttpResult<HealthDto>>> ReadyAsync(BatchWriter writer, IVoteStore store, CancellationToken cancellationToken)
    {
        if (!writer.IsRunning)
        {
            return TypedResults.Json(new HealthDto("not-ready", "writer stopped"), statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        return await store.PingAsync(cancellationToken)
            ? TypedResults.Ok(new HealthDto("ready", null))
            : TypedResults.Json(new HealthDto("not-ready", "store unreachable"), statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
