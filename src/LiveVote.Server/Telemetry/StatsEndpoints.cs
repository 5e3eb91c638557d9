using System.Text.Json;
using System.Text.Json.Serialization;
using LiveVote.Server.Security.Admin;

namespace LiveVote.Server.Telemetry;

public static class StatsEndpoints
{
    /// <summary><c>GET /v1/admin/stats</c> (admin key): the producer console's live figures, from the server's meter.</summary>
    public static RouteHandlerBuilder MapAdminStats(this IEndpointRouteBuilder routes)
    {
        // The figures count from the moment the listener exists: create it now, not at the console's first request,
        // or votes cast before anyone looked would be missing from the totals.
        _ = routes.ServiceProvider.GetRequiredService<LiveStats>();
        return routes.MapGet("/v1/admin/stats", (LiveStats stats) => TypedResults.Json(stats.Read(), TelemetryJsonContext.Default.AdminStats))
            .RequireAdminKey()
            .WithTags("Admin");
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(AdminStats))]
internal sealed partial class TelemetryJsonContext : JsonSerializerContext;
