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
        group.MapPost("/", CreatePoll).RequireAdminKey().WithRetryAfterOn503().ProducesBodyProblems()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        // The join code's lookup, for the vote page at /v/{code}: public, like the poll it names.
        routes.MapGet("/v1/codes/{code}", GetByCode).WithTags("Polls").ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        return group;
    }

    /// <summary>The poll itself in its <see cref="PollGroup"/> (id already checked): read it and, admin only, change it.</summary>
    public static RouteGroupBuilder MapPoll(this RouteGroupBuilder poll)
    {
        var group = poll.MapGroup("").WithTags("Polls");
        group.MapGet("/", GetPoll).ProducesProblem(StatusCodes.Status404NotFound);

        // Every change goes through the writer: the poll may be unknown, the change not allowed, the store unreachable.
        var changes = group.MapGroup("").RequireAdminKey().WithRetryAfterOn503()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        changes.MapPost("/open", (string pollId, PollAdmin admin, PollLinks links, CancellationToken ct) => ChangeAsync(pollId, PollCommandKind.Open, admin, links, ct));
        changes.MapPost("/close", CloseAsync);
        changes.MapPost("/viewer-results", SetViewerResults).ProducesBodyProblems();
        changes.MapPut("/", EditPoll).ProducesBodyProblems().ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        changes.MapDelete("/", DeletePoll).Produces(StatusCodes.Status204NoContent);
        changes.MapPost("/archive", (string pollId, PollAdmin admin, PollLinks links, CancellationToken ct) => ChangeAsync(pollId, PollCommandKind.Archive, admin, links, ct));
        changes.MapPost("/unarchive", (string pollId, PollAdmin admin, PollLinks links, CancellationToken ct) => ChangeAsync(pollId, PollCommandKind.Unarchive, admin, links, ct));
        changes.MapPost("/reveal", (string pollId, PollAdmin admin, PollLinks links, CancellationToken ct) => ChangeAsync(pollId, PollCommandKind.RevealResults, admin, links, ct));
        changes.MapPost("/hide-results", (string pollId, PollAdmin admin, PollLinks links, CancellationToken ct) => ChangeAsync(pollId, PollCommandKind.HideResults, admin, links, ct));
        return group;
    }

    private static Ok<PollListDto> ListPolls(HttpContext context, PollRegistry polls, FinalResults results, PollLinks links)
    {
        var admin = AdminKey.IsVerified(context);
        // The public list leaves out drafts (the producer's secret) and archived polls (the producer's tidying up).
        return TypedResults.Ok(new PollListDto([.. polls.All().Where(p => admin || (p.Status != PollStatus.Draft && p.ArchivedAt is null))
            .Select(p => View(p, admin, results, links))]));
    }

    private static Results<Ok<PollDto>, ProblemHttpResult> GetPoll(string pollId, HttpContext context, PollRegistry polls, FinalResults results, PollLinks links)
    {
        // A draft is the producer's secret until it opens: to the public it does not exist.
        if (!polls.TryGet(pollId, out var poll) || (poll.Status == PollStatus.Draft && !AdminKey.IsVerified(context)))
        {
            return Problems.PollNotFound(pollId);
        }

        return TypedResults.Ok(View(poll, AdminKey.IsVerified(context), results, links));
    }

    /// <summary>A poll as its reader may see it: the admin also gets the final result's state; everyone the vote URL.</summary>
    private static PollDto View(Poll poll, bool admin, FinalResults results, PollLinks links) =>
        links.Describe(admin ? results.Describe(poll.ToDto()) : poll.ToDto());

    /// <summary>The poll a join code names (any case): public for a poll past its draft, the admin sees drafts too.</summary>
    private static Results<Ok<PollDto>, ProblemHttpResult> GetByCode(string code, HttpContext context, PollRegistry polls, FinalResults results, PollLinks links)
    {
        var normalized = PollCodes.Normalize(code, out _);
        if (normalized is null || !polls.TryGetByCode(normalized, out var poll) || (poll.Status == PollStatus.Draft && !AdminKey.IsVerified(context)))
        {
            return Problems.Create(StatusCodes.Status404NotFound, ErrorCodes.PollNotFound, "No such poll.", "No poll has this join code.");
        }

        return TypedResults.Ok(View(poll, AdminKey.IsVerified(context), results, links));
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
        if (Validate(request, out var code) is { } problem)
        {
            return problem;
        }

        var result = await admin.CreateAsync(
            request.Title!, Options(request), request.ShowResultsToViewers ?? false, code, request.HideResultsUntilReveal ?? false, cancellationToken);
        return result.Status == PollCommandStatus.Done
            ? TypedResults.Created($"/v1/polls/{result.Poll!.Id}", links.Describe(result.Poll.ToDto()))
            : ToProblem(result, "new");
    }

    /// <summary>A draft's new definition, as a create's (settings left out keep theirs): only while it is a draft.</summary>
    private static async Task<Results<Ok<PollDto>, ProblemHttpResult>> EditPoll(
        string pollId, CreatePollRequest request, PollAdmin admin, PollLinks links, CancellationToken cancellationToken)
    {
        if (Validate(request, out var code) is { } problem)
        {
            return problem;
        }

        var result = await admin.EditAsync(
            pollId, request.Title!, Options(request), request.ShowResultsToViewers, code, request.HideResultsUntilReveal, cancellationToken);
        return result.Status == PollCommandStatus.Done ? TypedResults.Ok(links.Describe(result.Poll!.ToDto())) : ToProblem(result, pollId, PollCommandKind.Edit);
    }

    /// <summary>Deletes a draft: 204, and the poll is unknown from then on (its row and audit entries stay).</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> DeletePoll(
        string pollId, PollRegistry polls, PollAdmin admin, CancellationToken cancellationToken)
    {
        // Deleted already: as unknown as any other poll (the writer would find it so and say done).
        if (polls.TryGetHeld(pollId, out var held) && held.DeletedAt is not null)
        {
            return Problems.PollNotFound(pollId);
        }

        var result = await admin.ChangeAsync(pollId, PollCommandKind.Delete, cancellationToken);
        return result.Status == PollCommandStatus.Done ? TypedResults.NoContent() : ToProblem(result, pollId, PollCommandKind.Delete);
    }

    /// <summary>The checks of a create's or an edit's body: null when valid, with the chosen join code (upper-case) if any.</summary>
    private static ProblemHttpResult? Validate(CreatePollRequest request, out string? code)
    {
        code = null;
        var options = request.Options?.Select(o => (o?.Id, o?.Label)).ToList();
        var error = PollRules.Validate(request.Title, options);
        if (error is null && request.Code is { } chosen && (code = PollCodes.Normalize(chosen, out var codeError)) is null)
        {
            error = codeError;
        }

        return error is null
            ? null
            : Problems.Create(StatusCodes.Status422UnprocessableEntity, ErrorCodes.InvalidPoll, "The poll definition is not valid.", error);
    }

    private static IEnumerable<(string Id, string Label)> Options(CreatePollRequest request) => request.Options!.Select(o => (o.Id, o.Label));

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
        PollCommandStatus.CodeTaken => Problems.Create(
            StatusCodes.Status409Conflict, ErrorCodes.CodeTaken, "The join code is taken.", "Another poll has this join code: choose another, or leave it out for a new one."),
        _ => Problems.Create(StatusCodes.Status503ServiceUnavailable, ErrorCodes.StoreUnavailable, "The change could not be stored; try again."),
    };

    private static string TransitionDetail(string pollId, Poll poll, PollCommandKind kind) => kind switch
    {
        PollCommandKind.FreezeResults when poll.Frozen is not null => $"The results of poll '{pollId}' are frozen already: release them first.",
        PollCommandKind.FreezeResults => $"Poll '{pollId}' is {Poll.StatusName(poll.Status)}: only an open poll's results can be frozen.",
        PollCommandKind.ReleaseResults => $"The results of poll '{pollId}' are not frozen.",
        PollCommandKind.Edit or PollCommandKind.Delete => $"Poll '{pollId}' is {Poll.StatusName(poll.Status)}: only a draft can be edited or deleted.",
        PollCommandKind.Archive or PollCommandKind.Unarchive => $"Poll '{pollId}' is {Poll.StatusName(poll.Status)}: only a closed poll is archived.",
        PollCommandKind.ShowResultsToViewers or PollCommandKind.HideResultsFromViewers or PollCommandKind.RevealResults or PollCommandKind.HideResults =>
            $"Another node changed poll '{pollId}' first: read it again and repeat the change if it is still wanted.",
        _ => $"Poll '{pollId}' is {Poll.StatusName(poll.Status)}: polls go draft -> open -> closed, once.",
    };
}
