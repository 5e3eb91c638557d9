using LiveVote.Contracts;
using LiveVote.Server.Hosting;
using LiveVote.Server.Hosting.OpenApi;
using LiveVote.Server.Ingest;
using LiveVote.Server.Results.Final;
using LiveVote.Server.Security.Admin;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LiveVote.Server.Polls;

public static class PollEndpoints
{
    /// <summary><c>/v1/polls</c>: the list (drafts for the admin only) and, admin only, a new poll.</summary>
    public static RouteGroupBuilder MapPolls(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/polls").WithTags("Polls").ProducesProblem(StatusCodes.Status429TooManyRequests);
        group.MapGet("/", ListPolls);
        group.MapPost("/", CreatePoll).RequireAdminKey().ProducesBodyProblems()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return group;
    }

    /// <summary>The poll itself in its <see cref="PollGroup"/> (id already checked): read it and, admin only, change it.</summary>
    public static RouteGroupBuilder MapPoll(this RouteGroupBuilder poll)
    {
        var group = poll.MapGroup("").WithTags("Polls");
        group.MapGet("/", GetPoll).ProducesProblem(StatusCodes.Status404NotFound);

        // Every change goes through the writer: the poll may be unknown, the change not allowed, the store unreachable.
        var changes = group.MapGroup("").RequireAdminKey()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        changes.MapPost("/open", (string pollId, PollAdmin admin, PollLinks links, CancellationToken ct) => ChangeAsync(pollId, PollCommandKind.Open, admin, links, ct));
        changes.MapPost("/close", CloseAsync);
        changes.MapPost("/viewer-results", SetViewerResults).ProducesBodyProblems();
        return group;
    }

    private static Ok<PollListDto> ListPolls(HttpContext context, PollRegistry polls, FinalResults results, PollLinks links)
    {
        var admin = AdminKey.IsVerified(context);
        return TypedResults.Ok(new PollListDto([.. polls.All().Where(p => admin || p.Status != PollStatus.Draft)
            .Select(p => links.Describe(admin ? results.Describe(p.ToDto()) : p.ToDto()))]));
    }

    private static Results<Ok<PollDto>, ProblemHttpResult> GetPoll(string pollId, HttpContext context, PollRegistry polls, FinalResults results, PollLinks links)
    {
        // A draft is the producer's secret until it opens: to the public it does not exist.
        if (!polls.TryGet(pollId, out var poll) || (poll.Status == PollStatus.Draft && !AdminKey.IsVerified(context)))
        {
            return Problems.PollNotFound(pollId);
        }

        return TypedResults.Ok(links.Describe(AdminKey.IsVerified(context) ? results.Describe(poll.ToDto()) : poll.ToDto()));
    }

    /// <summary>
    /// Closes the poll and, once the close is durable in every partition, signs its final result (docs/design.md 7.6):
    /// the answer's <c>resultStatus</c> says whether it is final, and why not when the reconciliation gate refused it.
    /// </summary>
    private static async Task<Results<Ok<PollDto>, ProblemHttpResult>> CloseAsync(
        string pollId, PollAdmin admin, FinalResults results, PollLinks links, IHostApplicationLifetime lifetime, CancellationToken cancellationToken)
    {
        var closed = await ChangeAsync(pollId, PollCommandKind.Close, admin, links, cancellationToken);
        if (closed.Result is not Ok<PollDto> { Value: { } poll })
        {
            return closed;
        }

        // The close stands whatever the signing does; the producer leaving does not cut a signing short.
        await results.SignAsync(pollId, retryRefused: false, lifetime.ApplicationStopping);
        return TypedResults.Ok(results.Describe(poll));
    }

    private static async Task<Results<Created<PollDto>, ProblemHttpResult>> CreatePoll(
        CreatePollRequest request, PollAdmin admin, PollLinks links, CancellationToken cancellationToken)
    {
        var options = request.Options?.Select(o => (o?.Id, o?.Label)).ToList();
        if (PollRules.Validate(request.Title, options) is { } error)
        {
            return Problems.Create(StatusCodes.Status422UnprocessableEntity, ErrorCodes.InvalidPoll, "The poll definition is not valid.", error);
        }

        var result = await admin.CreateAsync(
            request.Title!, options!.Select(o => (o.Id!, o.Label!)), request.ShowResultsToViewers ?? false, cancellationToken);
        return result.Status == PollCommandStatus.Done
            ? TypedResults.Created($"/v1/polls/{result.Poll!.Id}", links.Describe(result.Poll.ToDto()))
            : ToProblem(result, "new");
    }

    /// <summary>Whether the vote page shows viewers the live results after they vote: set at creation, changeable any time.</summary>
    private static async Task<Results<Ok<PollDto>, ProblemHttpResult>> SetViewerResults(
        string pollId, ViewerResultsRequest? request, PollAdmin admin, PollLinks links, CancellationToken cancellationToken)
    {
        if (request?.Show is not { } show)
        {
            return Problems.BadRequest(ErrorCodes.InvalidRequest, "Send {\"show\": true} or {\"show\": false}.");
        }

        return await ChangeAsync(pollId, show ? PollCommandKind.ShowResultsToViewers : PollCommandKind.HideResultsFromViewers, admin, links, cancellationToken);
    }

    /// <summary>
    /// Any change of an existing poll through the writer: 200 with the poll as stored, or the problem. Only for routes
    /// of <see cref="PollGroup"/>, whose poll id is checked before they run.
    /// </summary>
    internal static async Task<Results<Ok<PollDto>, ProblemHttpResult>> ChangeAsync(
        string pollId, PollCommandKind kind, PollAdmin admin, PollLinks links, CancellationToken cancellationToken)
    {
        var result = await admin.ChangeAsync(pollId, kind, cancellationToken);
        return result.Status == PollCommandStatus.Done ? TypedResults.Ok(links.Describe(result.Poll!.ToDto())) : ToProblem(result, pollId, kind);
    }

    private static ProblemHttpResult ToProblem(PollCommandResult result, string pollId, PollCommandKind kind = PollCommandKind.Create) => result.Status switch
    {
        PollCommandStatus.NotFound => Problems.PollNotFound(pollId),
        PollCommandStatus.InvalidTransition => Problems.Create(
            StatusCodes.Status409Conflict, ErrorCodes.InvalidTransition, "The poll cannot make that change.", TransitionDetail(pollId, result.Poll!, kind)),
        PollCommandStatus.AlreadyExists => Problems.Create(StatusCodes.Status409Conflict, ErrorCodes.InvalidPoll, "The poll exists already."),
        _ => Problems.Create(StatusCodes.Status503ServiceUnavailable, ErrorCodes.StoreUnavailable, "The change could not be stored; try again."),
    };

    private static string TransitionDetail(string pollId, Poll poll, PollCommandKind kind) => kind switch
    {
        PollCommandKind.FreezeResults when poll.Frozen is not null => $"The results of poll '{pollId}' are frozen already: release them first.",
        PollCommandKind.FreezeResults => $"Poll '{pollId}' is {Poll.StatusName(poll.Status)}: only an open poll's results can be frozen.",
        PollCommandKind.ReleaseResults => $"The results of poll '{pollId}' are not frozen.",
        PollCommandKind.ShowResultsToViewers or PollCommandKind.HideResultsFromViewers =>
            $"Another node changed poll '{pollId}' first: read it again and repeat the change if it is still wanted.",
        _ => $"Poll '{pollId}' is {Poll.StatusName(poll.Status)}: polls go draft -> open -> closed, once.",
    };
}
