namespace LiveVote.Server.Security.RateLimiting;

/// <summary>What a request is, for the limits: declared by each endpoint where it is mapped (<see cref="RequestKinds.WithRequestKind"/>).</summary>
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
    /// <summary>The kind the matched endpoint declared; <see cref="RequestKind.Other"/> without one (no endpoint, 404, 405).</summary>
    public static RequestKind Of(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<RequestKindMetadata>()?.Kind ?? RequestKind.Other;

    /// <summary>Declares the endpoint's kind for the limits and the logs: metadata read once per request, no route text compared.</summary>
    public static TBuilder WithRequestKind<TBuilder>(this TBuilder builder, RequestKind kind)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(RequestKindMetadata.For(kind));

    private sealed class RequestKindMetadata(RequestKind kind)
    {
        private static readonly RequestKindMetadata[] All = [.. Enum.GetValues<RequestKind>().Select(k => new RequestKindMetadata(k))];

        public RequestKind Kind { get; } = kind;

        public static RequestKindMetadata For(RequestKind kind) => All[(int)kind];
    }
}
