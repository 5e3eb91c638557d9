using Microsoft.AspNetCore.Routing.Patterns;

namespace LiveVote.Server.Security.RateLimiting;

/// <summary>What a request is, for the limits: decided from the endpoint routing matched, not from the raw path.</summary>
public enum RequestKind : byte
{
    /// <summary>Anything else: only the concurrency limit applies.</summary>
    Other,

    /// <summary>Health checks and results streams: no limit at all (they must answer, or they live long).</summary>
    Exempt,

    /// <summary><c>POST /v1/viewers</c>.</summary>
    Register,

    /// <summary><c>POST /v1/polls/{pollId}/votes</c>.</summary>
    Vote,

    /// <summary><c>GET /v1/captcha/challenge</c>.</summary>
    Challenge,
}

public static class RequestKinds
{
    public const string RegisterRoute = "/v1/viewers";
    public const string VoteRoute = "/v1/polls/{pollId}/votes";
    public const string ChallengeRoute = "/v1/captcha/challenge";
    public const string ResultsStreamRoute = "/v1/polls/{pollId}/results/stream";

    public static RequestKind Of(HttpContext context)
    {
        if (context.GetEndpoint() is not RouteEndpoint { RoutePattern: var pattern })
        {
            return RequestKind.Other;
        }

        var route = Trim(pattern);
        var method = context.Request.Method;
        if (HttpMethods.IsPost(method))
        {
            return route switch
            {
                VoteRoute => RequestKind.Vote,
                RegisterRoute => RequestKind.Register,
                _ => RequestKind.Other,
            };
        }

        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method))
        {
            return route switch
            {
                ChallengeRoute => RequestKind.Challenge,
                ResultsStreamRoute or "/healthz" or "/readyz" => RequestKind.Exempt,
                _ => RequestKind.Other,
            };
        }

        return RequestKind.Other;
    }

    /// <summary>A group's "/" child ends in a slash ("/v1/viewers/"); the routes above are written without it.</summary>
    private static ReadOnlySpan<char> Trim(RoutePattern pattern)
    {
        var raw = pattern.RawText.AsSpan();
        return raw.Length > 1 && raw[^1] == '/' ? raw[..^1] : raw;
    }
}
