using LiveVote.Contracts;
using LiveVote.Server.Hosting;
using LiveVote.Server.Ingest;
using LiveVote.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LiveVote.Server.Polls;

public static class PollEndpoints
{
    public static RouteGroupBuilder MapPolls(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/polls").WithTags("Polls");
        group.MapGet("/", ListPolls);
        group.MapGet("/{pollId}", GetPoll);
        group.MapPost("/", CreatePoll).RequireAdminKey();
        group.MapPost("/{pollId}/open", (string pollId, PollAdmin admin, CancellationToken ct) => ChangeAsync(pollId, PollCommandKind.Open, admin, ct))
            .RequireAdminKey();
        group.MapPost("/{pollId}/close", (string pollId, PollAdmin admin, CancellationToken ct) => ChangeAsync(pollId, PollCommandKind.Close, admin, ct))
            .RequireAdminKey();
        return group;
    }

    private static Ok<PollListDto> ListPolls(HttpContext context, PollRegistry polls, ServerSecrets secrets)
    {
        var admin = AdminKeyFilter.IsAdmin(context, secrets);
        return TypedResults.Ok(new PollListDto([.. polls.All().Where(p => admin || p.Status != PollStatus.Draft).Select(p => p.ToDto())]));
    }

    private static Results<Ok<PollDto>, ProblemHttpResult> GetPoll(string pollId, HttpContext context, PollRegistry polls, ServerSecrets secrets)
    {
        if (!PollRules.IsPollId(pollId))
        {
            return Problems.InvalidPollId();
        }

        // A draft is the producer's secret until it opens: to the public it does not exist.
        if (!polls.TryGet(pollId, out var poll) || (poll.Status == PollStatus.Draft && !AdminKeyFilter.IsAdmin(context, secrets)))
        {
            return Problems.PollNotFound(pollId);
        }

        return TypedResults.Ok(poll.ToDto());
    }

    private static async Task<Results<Created<PollDto>, ProblemHttpResult>> CreatePoll(
        CreatePollRequest request, PollAdmin admin, CancellationToken cancellationToken)
    {
        var options = request.Options?.Select(o => (o?.Id, o?.Label)).ToList();
        if (PollRules.Validate(request.Title, options) is { } error)
        {
            return Problems.Create(StatusCodes.Status422UnprocessableEntity, ErrorCodes.InvalidPoll, "The poll definition is not valid.", error);
        }

        var result = await admin.CreateAsync(request.Title!, options!.Select(o => (o.Id!, o.Label!)), cancellationToken);
        return result.Status == PollCommandStatus.Done
            ? TypedResults.Created($"/v1/polls/{result.Poll!.Id}", result.Poll.ToDto())
            : ToProblem(result, "new");
    }

    private static async Task<Results<Ok<PollDto>, ProblemHttpResult>> ChangeAsync(
        string pollId, PollCommandKind kind, PollAdmin admin, CancellationToken cancellationToken)
    {
        if (!PollRules.IsPollId(pollId))
        {
            return Problems.InvalidPollId();
        }

        var result = await admin.ChangeAsync(pollId, kind, cancellationToken);
        return result.Status == PollCommandStatus.Done ? TypedResults.Ok(result.Poll!.ToDto()) : ToProblem(result, pollId);
    }

    private static ProblemHttpResult ToProblem(PollCommandResult result, string pollId) => result.Status switch
    {
        PollCommandStatus.NotFound => Problems.PollNotFound(pollId),
        PollCommandStatus.InvalidTransition => Problems.Create(
            StatusCodes.Status409Conflict, ErrorCodes.InvalidTransition, "The poll cannot make that change.",
            $"Poll '{pollId}' is {Poll.StatusName(result.Poll!.Status)}: polls go draft -> open -> closed, once."),
        PollCommandStatus.AlreadyExists => Problems.Create(StatusCodes.Status409Conflict, ErrorCodes.InvalidPoll, "The poll exists already."),
        _ => Problems.Create(StatusCodes.Status503ServiceUnavailable, ErrorCodes.StoreUnavailable, "The change could not be stored; try again."),
    };
}
