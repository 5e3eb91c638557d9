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
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        // A stream lives as long as its viewer watches: it must not hold a slot of the concurrency limit. Streams are
        // counted by a limiter of their own (StreamLimiter), node-wide and per network. It writes a body with every
        // answer (the stream, 404, 429), so the status code pages skip it (ProblemDetailsSetup). Its services are
        // taken once here, not from each request's RequestServices: no DI scope per open stream.
        var services = ((IEndpointRouteBuilder)poll).ServiceProvider;
        var streams = new ResultsStreamEndpoint(
            services.GetRequiredService<ResultsHub>(), services.GetRequiredService<PollRegistry>(), services.GetRequiredService<StreamLimiter>(),
            services.GetRequiredService<IHostApplicationLifetime>());
        group.MapGet("/stream", streams.Open).WithRequestKind(RequestKind.Exempt).WithMetadata(WritesItsOwnBody.Instance)
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapResultsFreeze();
        return group;
    }

    /// <summary>The published snapshot as bytes, with an ETag; one second of public caching lets a CDN absorb readers.</summary>
    private static Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult> GetResults(
        string pollId, HttpContext context, ResultsHub hub, PollRegistry polls)
    {
        if (!TryFind(pollId, context, hub, polls, out var snapshot, out var problem))
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

    /// <summary>
    /// The poll's published snapshot; 404 for a poll this node does not know (or a draft), 503 <c>results-pending</c> for
    /// one it knows whose count it has not read yet.
    /// </summary>
    internal static bool TryFind(string pollId, HttpContext context, ResultsHub hub, PollRegistry polls, out ResultsSnapshot snapshot, out ProblemHttpResult problem)
    {
        snapshot = null!;
        problem = null!;
        if (!polls.TryGet(pollId, out var poll) || poll.Status == PollStatus.Draft)
        {
            problem = Problems.PollNotFound(pollId);
            return false;
        }

        if (!hub.TryGetSnapshot(pollId, out snapshot))
        {
            problem = Problems.ResultsPending(context, pollId);
            return false;
        }

        return true;
    }
}

/// <summary>
/// <c>text/event-stream</c> of a poll's results: the current snapshot on connect, then each newer one (at most one per
/// publish interval), with keep-alive comments so proxies keep the connection open (<see cref="StreamKeepAlive"/>). The stream holds a place of the
/// <see cref="StreamLimiter"/> from its first byte to its end; without one it is 429 <c>too-many-streams</c>. On
/// HTTP/1.1 the handler sends the headers and hands the connection off to the stream (<see cref="IConnectionHandOffFeature"/>),
/// so the request ends; otherwise it returns the stream's own task (<see cref="ResultsStream"/>) without awaiting it.
/// Either way an open stream holds no async frame of this class.
/// </summary>
internal sealed class ResultsStreamEndpoint(ResultsHub hub, PollRegistry polls, StreamLimiter limiter, IHostApplicationLifetime lifetime)
{
    public Task Open(string pollId, HttpContext httpContext)
    {
        if (!ResultsEndpoints.TryFind(pollId, httpContext, hub, polls, out _, out var problem))
        {
            return problem.ExecuteAsync(httpContext);
        }

        // Taken here and given back when the stream ends (ResultsStream.End), whichever way it ends.
        if (limiter.TryOpen(ClientNetwork.Of(httpContext), out var place) is { } full)
        {
            return RefuseAsync(httpContext, full);
        }

        var response = httpContext.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache, no-transform";
        response.Headers[HeaderNames.Connection] = "keep-alive";
        response.Headers["X-Accel-Buffering"] = "no";
        // The stream never ends by itself, so it ends when the client leaves or the server begins to stop: otherwise each
        // open stream would hold a stopping server for its whole shutdown timeout. Stopping ends every stream
        // (StreamKeepAlive -> ResultsHub.EndStreams); no linked token source and no timer per stream, which matters at
        // 19,000 streams (bench/README.md, "Fan-out: results streams").
        if (httpContext.Features.Get<IConnectionHandOffFeature>() is { } connection && connection.CanHandOff(httpContext))
        {
            return HandOffAsync(httpContext, connection, pollId, place);
        }

        // HTTP/2, TLS in the server, HTTP/1.0: the stream is written through the request's body.
        return hub.Stream(pollId, response.BodyWriter, place, httpContext.RequestAborted, lifetime.ApplicationStopping);
    }

    /// <summary>
    /// Sends the response's headers, then hands the connection off to the stream (<see cref="IConnectionHandOffFeature"/>):
    /// the request ends here, and the open stream holds none of its objects.
    /// </summary>
    private async Task HandOffAsync(HttpContext httpContext, IConnectionHandOffFeature connection, string pollId, IDisposable place)
    {
        var handedOff = false;
        try
        {
            // Flushing the body writer starts the response: the headers go out, chunked.
            var flushed = await httpContext.Response.BodyWriter.FlushAsync(httpContext.RequestAborted);
            if (!flushed.IsCompleted && !flushed.IsCanceled && !httpContext.RequestAborted.IsCancellationRequested)
            {
                connection.HandOff(hub.StreamOn(connection, pollId, place, lifetime.ApplicationStopping));
                handedOff = true;
            }
        }
        catch (OperationCanceledException) when (httpContext.RequestAborted.IsCancellationRequested)
        {
            // The client left before the stream began.
        }
        finally
        {
            if (!handedOff)
            {
                place.Dispose();
            }
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
}
