using System.Globalization;
using LiveVote.Contracts;
using LiveVote.Server.Hosting;
using LiveVote.Server.Telemetry;

namespace LiveVote.Server.Security.RateLimiting;

/// <summary>The answer to a request a limit refused: 429 problem+json <c>rate-limited</c> with Retry-After.</summary>
internal static class RateLimitRejections
{
    public static string Name(LimitName limit) => limit switch
    {
        LimitName.Concurrency => "concurrency",
        LimitName.VotePerViewer => "vote-per-viewer",
        LimitName.VotePerIp => "vote-per-ip",
        LimitName.VotePerNetwork => "vote-per-network",
        LimitName.RegisterPerIp => "register-per-ip",
        LimitName.RegisterPerNetwork => "register-per-network",
        LimitName.ChallengePerIp => "challenge-per-ip",
        _ => "unknown",
    };

    public static Task WriteAsync(HttpContext context, int busyRetryAfterSeconds)
    {
        var rejection = context.Features.Get<RateLimitRejection>();
        var limit = rejection?.Limit ?? LimitName.Concurrency;
        var seconds = rejection?.RetryAfter is { } after ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : busyRetryAfterSeconds;
        LiveVoteTelemetry.RateLimited(Name(limit));
        if (limit is LimitName.VotePerViewer or LimitName.VotePerIp or LimitName.VotePerNetwork)
        {
            LiveVoteTelemetry.VoteRefused(ErrorCodes.RateLimited);
        }

        return Write(context, seconds, ErrorCodes.RateLimited, "Too many requests.",
            limit == LimitName.Concurrency
                ? "The server is at its limit of requests in progress; send the same request again after Retry-After seconds."
                : "Too many requests of this kind from this client or its network; send the same request again after Retry-After seconds.",
            Name(limit));
    }

    /// <summary>Writes a 429 problem with Retry-After (also used by the admin-key lockout).</summary>
    public static Task Write(HttpContext context, int retryAfterSeconds, string code, string title, string detail, string limit)
    {
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        var problem = Problems.Create(StatusCodes.Status429TooManyRequests, code, title, detail);
        problem.ProblemDetails.Extensions["limit"] = limit;
        return problem.ExecuteAsync(context);
    }
}
