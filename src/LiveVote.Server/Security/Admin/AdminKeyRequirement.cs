using LiveVote.Contracts;
using LiveVote.Server.Hosting;
using LiveVote.Server.Security.Operators;

namespace LiveVote.Server.Security.Admin;

/// <summary>
/// Answers 401 <c>admin-key-required</c> to a request for an endpoint marked with <see cref="AdminKeyRequirementExtensions.RequireAdminKey"/>
/// unless <see cref="AdminKeyGuard"/> verified its key or it came with a signed-in operator's session
/// (<see cref="OperatorSessionGuard"/>). A request let in runs as its operator (<see cref="CurrentOperator"/>), so the
/// poll changes it makes are audited with who pressed. It runs last before the endpoints, so the limits have counted
/// the request and the admin action log records the refusal. Middleware rather than an endpoint filter: a filter
/// allocates a context per request, while this costs every other route (votes above all) one metadata lookup.
/// </summary>
internal sealed class AdminKeyRequirement(RequestDelegate next, CurrentOperator currentOperator)
{
    public Task InvokeAsync(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<AdminKeyRequired>() is null
            ? next(context)
            : AdminKey.IsVerified(context)
            ? currentOperator.RunAsAsync(OperatorSession.NameOf(context), next, context)
            : Problems.Create(StatusCodes.Status401Unauthorized, ErrorCodes.AdminKeyRequired, "A valid admin key is required.",
                $"Send the admin key in the {AdminKey.Header} header.").ExecuteAsync(context);
}

/// <summary>Endpoint metadata: only a verified admin may call this endpoint.</summary>
internal sealed class AdminKeyRequired
{
    public static readonly AdminKeyRequired Instance = new();
}

public static class AdminKeyRequirementExtensions
{
    /// <summary>
    /// Admin only: declared once on a route group (or an endpoint), enforced by <see cref="AdminKeyRequirement"/>, and
    /// documented with the 401 that enforcement answers.
    /// </summary>
    public static TBuilder RequireAdminKey<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(AdminKeyRequired.Instance).ProducesProblem(StatusCodes.Status401Unauthorized);
}
