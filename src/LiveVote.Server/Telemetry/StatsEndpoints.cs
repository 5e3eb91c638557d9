using System.Text.Json;
using System.Text.Json.Serialization;
using LiveVote.Server.Security.Admin;

namespace LiveVote.Server.Telemetry;

public static class StatsEndpoints
{
    /// <summary>
    /// <c>GET /v1/admin/stats</c> (admin key): the producer console's live figures, this node's from the server's meter
    /// and the whole fleet's from the store (<see cref="FleetCounters"/>).
    /// </summary>
    public static RouteHandlerBuilder MapAdminStats(this IEndpointRouteBuilder routes)
    {
        return routes.MapGet("/v1/admin/stats", async (LiveStats stats, FleetCounters fleet, CancellationToken cancellationToken) =>
                TypedResults.Json(stats.Read() with { Fleet = await fleet.ReadAsync(cancellationToken) }, TelemetryJsonContext.Default.AdminStats))
            .RequireAdminKey()
            .Produces<AdminStats>(StatusCodes.Status200OK, "application/json")
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithTags("Admin");
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(AdminStats))]
internal sealed partial class TelemetryJsonContext : JsonSerializerContext;
