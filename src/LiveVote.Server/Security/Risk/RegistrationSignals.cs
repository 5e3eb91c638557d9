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
    // Any other request (votes above all) is handed on without an await: the matched endpoint does not change.
    public Task InvokeAsync(HttpContext context) =>
        RequestKinds.Of(context) == RequestKind.Register ? RecordAfterAsync(context) : next(context);

    private async Task RecordAfterAsync(HttpContext context)
    {
        await next(context);
        if (context.Response.StatusCode == StatusCodes.Status201Created && !AdminKey.IsVerified(context))
        {
            scorer.RecordRegistration(ClientNetwork.Of(context));
        }
    }
}
