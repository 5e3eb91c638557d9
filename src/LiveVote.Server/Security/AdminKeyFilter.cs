using LiveVote.Contracts;
using LiveVote.Server.Hosting;

namespace LiveVote.Server.Security;

/// <summary>Guards admin routes: the <c>X-Admin-Key</c> header must match, compared in constant time.</summary>
public sealed class AdminKeyFilter(ServerSecrets secrets) : IEndpointFilter
{
    public const string Header = "X-Admin-Key";

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        IsAdmin(context.HttpContext, secrets)
            ? next(context)
            : ValueTask.FromResult<object?>(Problems.Create(
                StatusCodes.Status401Unauthorized, ErrorCodes.AdminKeyRequired, "A valid admin key is required.", $"Send the admin key in the {Header} header."));

    public static bool IsAdmin(HttpContext context, ServerSecrets secrets) =>
        context.Request.Headers.TryGetValue(Header, out var values) && values.Count == 1 && secrets.IsAdminKey(values[0]);
}

public static class AdminKeyFilterExtensions
{
    public static TBuilder RequireAdminKey<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter<TBuilder, AdminKeyFilter>();
}
