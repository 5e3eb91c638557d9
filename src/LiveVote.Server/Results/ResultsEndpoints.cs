using LiveVote.Contracts;
using LiveVote.Server.Hosting;
using LiveVote.Server.Polls;
using LiveVote.Server.Security.RateLimiting;
using LiveVote.Server.Telemetry;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace LiveVote.Server.Results;

public static class ResultsEndpoints
{
    /// <summary><c>/results</c> in the poll's <see cref="PollGroup"/> (id already checked): the public results, their stream, the freeze.</summary>
    public static RouteGroupBuilder MapResults(this RouteGroupBuilder poll)
    {
        var group = poll.MapGroup("/results").WithTags("Results");
        group.MapGet("/", GetResults)
            .Produces<ResultsDto>(StatusCodes.Status200OK, "application/json")
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status404NotFound);

        // A stream lives as long as its viewer watches: it must not hold a slot of the concurrency limit. Streams are
        // counted by a limiter of their own (StreamLimiter), node-wide and per network.
        group.MapGet("/stream", Stream).WithRequestKind(RequestKind.Exempt)
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapResultsFreeze();
        return group;
    }

    /// <summary>The published snapshot as bytes, with an ETag; one second of public caching lets a CDN absorb readers.</summary>
    private static Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult> GetResults(
        string pollId, HttpContext context, ResultsHub hub, PollRegistry polls)
    {
        if (!TryFind(pollId, hub, polls, out var snapshot, out var problem))
        {
            return problem;
        }

        var headers = context.Response.Headers;
        headers.ETag = snapshot.ETag;
        headers.CacheControl = "public, max-age=1";
        if (context.Request.Headers.IfNoneMatch.Contains(snapshot.ETag))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        return TypedResults.Bytes(snapshot.Json, "application/json");
    }

    private static Results<ServerSentEventsResult, ProblemHttpResult> Stream(
        string pollId, ResultsHub hub, PollRegistry polls, StreamLimiter limiter)
    {
        if (!TryFind(pollId, hub, polls, out _, out var problem))
        {
            return problem;
        }

        return new ServerSentEventsResult(hub, limiter, pollId);
    }

    private static bool TryFind(string pollId, ResultsHub hub, PollRegistry polls, out ResultsSnapshot snapshot, out ProblemHttpResult problem)
    {
        snapshot = null!;
        problem = null!;
        if (!polls.TryGet(pollId, out var poll) || poll.Status == PollStatus.Draft || !hub.TryGetSnapshot(pollId, out snapshot))
        {
            problem = Problems.PollNotFound(pollId);
            return false;
        }

        return true;
    }
}

/// <summary>
/// <c>text/event-stream</c> of a poll's results: the current snapshot on connect, then each newer one (at most one per
/// publish interval), with keep-alive comments so proxies keep the connection open (<see cref="StreamKeepAlive"/>). The stream holds a place of the
/// <see cref="StreamLimiter"/> from its first byte to its end; without one it is 429 <c>too-many-streams</c>.
/// </summary>
internal sealed class ServerSentEventsResult(ResultsHub hub, StreamLimiter limiter, string pollId) : IResult
{
    private static readonly byte[] KeepAliveComment = ": keep-alive\n\n"u8.ToArray();

    // Tells EventSource to reconnect after one second when the connection drops.
    private static readonly byte[] RetryHint = "retry: 1000\n\n"u8.ToArray();

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        // Taken and given back here, around the stream's whole life, so no path can leak a place.
        if (limiter.TryOpen(ClientNetwork.Of(httpContext), out var place) is { } full)
        {
            await RefuseAsync(httpContext, full);
            return;
        }

        using (place)
        {
            await StreamAsync(httpContext);
        }
    }

    private Task RefuseAsync(HttpContext httpContext, StreamLimit full)
    {
        var limit = StreamLimiter.Name(full);
        LiveVoteTelemetry.RateLimited(limit);
        return RateLimitRejections.Write(httpContext, limiter.RetryAfterSeconds, ErrorCodes.TooManyStreams, "Too many results streams.",
            full == StreamLimit.Node
                ? "This server serves as many results streams as it can; connect again after Retry-After seconds, or read GET .../results."
                : "Your network holds as many results streams as one network may; connect again after Retry-After seconds, or read GET .../results.",
            limit);
    }

    private async Task StreamAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache, no-transform";
        response.Headers[HeaderNames.Connection] = "keep-alive";
        response.Headers["X-Accel-Buffering"] = "no";
        // The stream never ends by itself, so it ends when the client leaves or the server begins to stop: otherwise each
        // open stream would hold a stopping server for its whole shutdown timeout. Stopping wakes every subscriber
        // (StreamKeepAlive), so the wait below watches the request's own token only: no linked token source and no
        // timer per stream, which matters at 19,000 streams (bench/README.md, "Fan-out: results streams").
        var stopping = httpContext.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        var aborted = httpContext.RequestAborted;
        var body = response.BodyWriter;
        using var subscription = hub.Subscribe(pollId);
        try
        {
            if ((await body.WriteAsync(RetryHint, aborted)).IsCompleted)
            {
                return;
            }

            var woken = false;
            while (!stopping.IsCancellationRequested)
            {
                // The wake-up first, then the check: a publication in between completes the task already taken.
                var wake = subscription.NextWake;
                // The frame is formatted once per snapshot and shared by every stream. Woken with nothing new: the shared
                // keep-alive tick, at most one keep-alive period after the last write. WriteAsync also flushes; a
                // completed result means the client is gone.
                var frame = subscription.TryRead(out var snapshot) ? snapshot.SseFrame : woken ? KeepAliveComment : null;
                if (frame is not null && (await body.WriteAsync(frame, aborted)).IsCompleted)
                {
                    return;
                }

                await wake.WaitAsync(aborted);
                woken = true;
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away: nothing to answer.
        }
    }
}
