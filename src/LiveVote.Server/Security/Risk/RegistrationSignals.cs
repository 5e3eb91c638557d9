using LiveVote.Server.Security.Admin;
using LiveVote.Server.Security.RateLimiting;

namespace LiveVote.Server.Security.Risk;

/// <summary>
/// Feeds the registration-velocity signal: after each successful public registration (201 from
/// <c>POST /v1/viewers</c> without an admin key) the client's network is counted. It watches the response instead of
/// living in the registration endpoint, so registration stays unaware of risk scoring.
/// </summary>
internal sealed class RegistrationSignals(RequestDelegate next, RiskScorer scorer)
{
    /// <summary>
    /// Any other request (every vote) is handed on as is: awaiting it here would cost each request that completes
    /// later an async state machine on the heap, only to look at a response that cannot count. The endpoint is known
    /// already (routing runs first), so its kind says which requests to watch.
    /// </summary>
    public Task InvokeAsync(HttpContext context) =>
        RequestKinds.Of(context) == RequestKind.Register ? WatchRegistrationAsync(context) : next(context);

    private async Task WatchRegistrationAsync(HttpContext context)
    {
        await next(context);
        if (context.Response.StatusCode == StatusCodes.Status201Created && !AdminKey.IsVerified(context))
        {
            scorer.RecordRegistration(ClientNetwork.Of(context));
        }
    }
}
