using LiveVote.Server.Hosting;

namespace LiveVote.Server.Polls;

/// <summary>
/// The routes of one poll, <c>/v1/polls/{pollId}</c>, are one group (the poll, its changes, votes, results, audit):
/// the group's poll id is checked once, by <see cref="PollIdCheck"/>, so no handler repeats the check and each one can
/// rely on a well-formed id.
/// </summary>
public static class PollGroup
{
    public const string Route = "/v1/polls/{pollId}";
    public const string PollIdParameter = "pollId";

    /// <summary>
    /// The group other features map their per-poll routes into: every route in it may answer 400 <c>invalid-poll-id</c>
    /// (<see cref="PollIdCheck"/>) and 429 (the limits).
    /// </summary>
    public static RouteGroupBuilder MapPollGroup(this IEndpointRouteBuilder routes) =>
        routes.MapGroup(Route).WithMetadata(PollIdRoute.Instance)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

    /// <summary>Last before the endpoints: 400 <c>invalid-poll-id</c> for a malformed id on any route of the group.</summary>
    public static WebApplication UsePollIdCheck(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseMiddleware<PollIdCheck>();
        return app;
    }
}

/// <summary>
/// Refuses a malformed poll id (<see cref="PollRules.IsPollId"/>) on the routes of <see cref="PollGroup"/> before their
/// endpoint runs. Middleware rather than an endpoint filter: the vote route is in the group, and a filter would allocate
/// a context per vote; this is one metadata lookup and one route value read, and allocates only to refuse.
/// </summary>
internal sealed class PollIdCheck(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<PollIdRoute>() is null
        || PollRules.IsPollId(context.Request.RouteValues[PollGroup.PollIdParameter] as string)
            ? next(context)
            : Problems.InvalidPollId().ExecuteAsync(context);
}

/// <summary>Endpoint metadata: the endpoint is in <see cref="PollGroup"/>, so its poll id is checked.</summary>
internal sealed class PollIdRoute
{
    public static readonly PollIdRoute Instance = new();
}
