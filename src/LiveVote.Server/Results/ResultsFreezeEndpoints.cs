using LiveVote.Server.Hosting;
using LiveVote.Server.Hosting.OpenApi;
using LiveVote.Server.Ingest;
using LiveVote.Server.Polls;
using LiveVote.Server.Security.Admin;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LiveVote.Server.Results;

/// <summary>
/// The producer's hold on the on-air results: freeze (the public results and their SSE stream keep the snapshot of
/// that moment while votes go on being counted), release (they catch up at the next publish), and the live count
/// behind a freeze. Freeze and release go through the writer like open and close: durable in the poll's row, so every
/// node of a fleet serves the same frozen snapshot, and audited (<c>results-frozen</c>, <c>results-released</c>).
/// </summary>
internal static class ResultsFreezeEndpoints
{
    public static RouteGroupBuilder MapResultsFreeze(this RouteGroupBuilder results)
    {
        var group = results.MapGroup("").RequireAdminKey().WithRetryAfterOn503().ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/freeze", (string pollId, PollAdmin admin, PollLinks links, CancellationToken ct) =>
            PollEndpoints.ChangeAsync(pollId, PollCommandKind.FreezeResults, admin, links, ct)).ProducesChangeProblems();
        group.MapPost("/release", (string pollId, PollAdmin admin, PollLinks links, CancellationToken ct) =>
            PollEndpoints.ChangeAsync(pollId, PollCommandKind.ReleaseResults, admin, links, ct)).ProducesChangeProblems();
        group.MapGet("/live", GetLive).Produces<Contracts.ResultsDto>(StatusCodes.Status200OK, "application/json")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return group;
    }

    /// <summary>The count as it stands, frozen or not: never cached, for the producer's eyes only.</summary>
    private static Results<FileContentHttpResult, ProblemHttpResult> GetLive(string pollId, HttpContext context, ResultsHub hub, PollRegistry polls)
    {
        if (!polls.TryGet(pollId, out _))
        {
            return Problems.PollNotFound(pollId);
        }

        if (!hub.TryGetLive(pollId, out var live))
        {
            return Problems.ResultsPending(context, pollId);
        }

        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Bytes(live.Json, "application/json");
    }
}
