using LiveVote.Contracts;
using LiveVote.Server.Hosting;
using LiveVote.Server.Polls;
using LiveVote.Server.Security.Admin;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LiveVote.Server.Results.Final;

public static class FinalResultEndpoints
{
    /// <summary>
    /// <c>/result</c> in the poll's <see cref="PollGroup"/> (id already checked): <c>GET</c> the signed final result;
    /// <c>POST</c> (admin key) sign it now, running the gate again on one it refused (the producer's press after a fix),
    /// answered with the poll and its <c>resultStatus</c> (and why, when refused). In the poll group rather than under
    /// <c>/v1/admin</c>, so its poll id is checked like every other poll route's.
    /// </summary>
    public static RouteGroupBuilder MapFinalResult(this RouteGroupBuilder poll)
    {
        poll.MapGet("/result", GetResult).WithTags("Results")
            .Produces<PollResultDto>(StatusCodes.Status200OK, "application/json")
            .ProducesProblem(StatusCodes.Status404NotFound);
        poll.MapPost("/result", SignAsync).RequireAdminKey().WithTags("Polls")
            .Produces<PollDto>(StatusCodes.Status200OK, "application/json")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return poll;
    }

    private static Results<Ok<PollResultDto>, ProblemHttpResult> GetResult(string pollId, HttpContext context, PollRegistry polls, FinalResults results)
    {
        if (!polls.TryGet(pollId, out var poll) || poll.Status == PollStatus.Draft)
        {
            return Problems.PollNotFound(pollId);
        }

        // Hidden until the producer reveals: the signed figures are counts like any other.
        if (poll.ResultsHidden)
        {
            return Problems.ResultsHidden(context, pollId);
        }

        var state = results.StateOf(pollId);
        if (state.Result is not { } signed)
        {
            context.Response.Headers.CacheControl = "no-store";
            return Problems.Create(StatusCodes.Status404NotFound, ErrorCodes.ResultNotFinal, "The result is not final.", NotFinalDetail(poll, state));
        }

        // Signed once, never changes: a CDN may keep it.
        context.Response.Headers.CacheControl = "public, max-age=60";
        return TypedResults.Ok(new PollResultDto(
            signed.PollId, true, signed.Statement, signed.Totals.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal), signed.Total, signed.SignedAt));
    }

    private static async Task<Results<Ok<PollDto>, ProblemHttpResult>> SignAsync(
        string pollId, PollRegistry polls, FinalResults results, PollLinks links, IHostApplicationLifetime lifetime)
    {
        if (!polls.TryGet(pollId, out var poll))
        {
            return Problems.PollNotFound(pollId);
        }

        if (poll.Status != PollStatus.Closed)
        {
            return Problems.Create(StatusCodes.Status409Conflict, ErrorCodes.InvalidTransition, "The poll is not closed.",
                $"Poll '{pollId}' is {Poll.StatusName(poll.Status)}: its result is signed once it is closed.");
        }

        // The producer leaving does not stop a signing half way: it runs to its end (or the server's stop).
        await results.SignAsync(pollId, retryRefused: true, lifetime.ApplicationStopping);
        return TypedResults.Ok(links.Describe(results.Describe(poll.ToDto())));
    }

    private static string NotFinalDetail(Poll poll, FinalResultState state) => poll.Status != PollStatus.Closed
        ? $"Poll '{poll.Id}' is {Poll.StatusName(poll.Status)}: its result is signed when it closes."
        : state.Status == FinalResultStatus.Refused
            ? $"The result of poll '{poll.Id}' was refused at close and is not final. {state.Problem}"
            : $"The result of poll '{poll.Id}' is not signed yet. {state.Problem ?? "Try again in a few seconds."}";
}
