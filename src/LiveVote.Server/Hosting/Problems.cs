using LiveVote.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LiveVote.Server.Hosting;

/// <summary>RFC 9457 problem+json results, each with a stable machine-readable <c>code</c>.</summary>
public static class Problems
{
    public static ProblemHttpResult Create(int status, string code, string title, string? detail = null) =>
        TypedResults.Problem(
            detail: detail,
            statusCode: status,
            title: title,
            type: TypeFor(code),
            extensions: new Dictionary<string, object?> { ["code"] = code });

    public static string TypeFor(string code) => "urn:livevote:problem:" + code;

    public static ProblemHttpResult BadRequest(string code, string detail) => Create(StatusCodes.Status400BadRequest, code, "The request is not valid.", detail);

    public static ProblemHttpResult PollNotFound(string pollId) =>
        Create(StatusCodes.Status404NotFound, ErrorCodes.PollNotFound, "No such poll.", $"Poll '{pollId}' does not exist.");

    /// <summary>
    /// 404 <c>results-hidden</c>: what would show a hidden poll's counts (its signed result, its vote entries) waits for
    /// the producer's reveal; <c>no-store</c>, so no cache keeps the refusal past it.
    /// </summary>
    public static ProblemHttpResult ResultsHidden(HttpContext context, string pollId)
    {
        context.Response.Headers.CacheControl = "no-store";
        return Create(StatusCodes.Status404NotFound, ErrorCodes.ResultsHidden, "The results are hidden.",
            $"The results of poll '{pollId}' are hidden until the producer reveals them.");
    }

    /// <summary>
    /// 503 <c>results-pending</c> with <c>Retry-After: 1</c>: the poll exists, but this node has not read its count yet (a
    /// moment after it started, or after another node changed the poll); its next refresh, within a second, will have it.
    /// </summary>
    public static ProblemHttpResult ResultsPending(HttpContext context, string pollId)
    {
        context.Response.Headers.CacheControl = "no-store";
        return Unavailable(context, ErrorCodes.ResultsPending, $"The results of poll '{pollId}' are not loaded on this node yet.", retryAfterSeconds: 1);
    }

    public static ProblemHttpResult InvalidPollId() =>
        BadRequest(ErrorCodes.InvalidPollId, "A poll id is a slug: a-z, 0-9 and '-', at most 40 characters.");

    public static ProblemHttpResult Unauthorized(string detail) =>
        Create(StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized, "A valid viewer token is required.", detail);

    /// <summary>503 with Retry-After: the request was not taken; the same request may simply be sent again.</summary>
    public static ProblemHttpResult Unavailable(HttpContext context, string code, string detail, int retryAfterSeconds)
    {
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Create(StatusCodes.Status503ServiceUnavailable, code, "Try again shortly.", detail);
    }
}
