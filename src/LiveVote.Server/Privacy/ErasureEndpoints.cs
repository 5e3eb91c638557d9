using LiveVote.Contracts;
using LiveVote.Server.Hosting;
using LiveVote.Server.Hosting.OpenApi;
using LiveVote.Server.Polls;
using LiveVote.Server.Security.Admin;
using LiveVote.Server.Votes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Privacy;

public static class ErasureEndpoints
{
    /// <summary>Longest viewer id taken: an external issuer's "issuer|sub" fits with room to spare.</summary>
    internal const int MaxViewerIdLength = 1024;

    internal const string RetainedReason =
        "Votes are kept as pseudonymous audit records (a voter key, never the viewer id) for the public recount and its signed " +
        "logs (GDPR Art. 17(3)(b) legal obligation and 17(3)(e) defence of legal claims); removing one would break the " +
        "verifiable result. Each poll's voter-key secret is destroyed at the time given, after which nobody can link these " +
        "votes to the viewer.";

    /// <summary><c>POST /v1/admin/erasure</c> (admin key): handles a viewer's erasure request and says what it did and kept.</summary>
    public static RouteHandlerBuilder MapErasure(this IEndpointRouteBuilder routes)
    {
        return routes.MapPost("/v1/admin/erasure", Erase)
            .RequireAdminKey()
            .Accepts<ErasureRequest>("application/json")
            .ProducesBodyProblems()
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithTags("Admin");
    }

    private static async Task<Results<Ok<ErasureResponse>, ProblemHttpResult>> Erase(
        HttpContext context,
        ErasureRequest? request,
        PollRegistry polls,
        PollVoterKeys voterKeys,
        IEnumerable<IVoterDataEraser> erasers,
        IOptions<VoterKeyRetentionOptions> retention,
        CancellationToken cancellationToken)
    {
        if (request?.ViewerId is not { Length: > 0 and <= MaxViewerIdLength } viewerId || string.IsNullOrWhiteSpace(viewerId))
        {
            return Problems.BadRequest(ErrorCodes.InvalidRequest, $"Send {{\"viewerId\": \"...\"}}: the viewer id, 1 to {MaxViewerIdLength} characters.");
        }

        // Nothing the store keeps is keyed by the viewer id: votes carry a per-poll pseudonym. The answer names each of
        // them so the operator can tell the viewer what stays, and until when it can be linked to them.
        var period = retention.Value.AuditPeriod;
        var kept = new List<ErasurePollDto>();
        var removed = 0;
        foreach (var poll in polls.All())
        {
            VoterKey key;
            try
            {
                if (!voterKeys.TryDerive(poll, viewerId, out key))
                {
                    // Its secret is destroyed: nothing of the poll can be linked to the viewer any more.
                    continue;
                }
            }
            catch (System.Security.Cryptography.CryptographicException)
            {
                // This node's LiveVote:VoterKeySecret does not open the poll's secret: a partial answer would mislead.
                return Problems.Unavailable(context, ErrorCodes.StoreUnavailable,
                    $"Poll {poll.Id}'s voter-key secret cannot be opened on this node; send the request to another node.", 5);
            }

            kept.Add(new ErasurePollDto(poll.Id, Poll.StatusName(poll.Status), key.ToString(),
                poll.VoterSecret is null ? null : poll.ClosedAt + period, PerPollKey: poll.VoterSecret is not null));

            // What is kept about the voter apart from the votes (the restricted risk evidence: networks, signals) goes.
            foreach (var eraser in erasers)
            {
                removed += await eraser.EraseAsync(poll.Id, key, cancellationToken);
            }
        }

        return TypedResults.Ok(new ErasureResponse(viewerId, removed, kept, RetainedReason));
    }
}
