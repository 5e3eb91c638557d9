using LiveVote.Contracts;
using LiveVote.Server.Hosting;
using LiveVote.Server.Security.Admin;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Security.Operators;

public static class OperatorEndpoints
{
    /// <summary>
    /// <c>GET /v1/admin/session</c> (public): who the console is signed in as, and whether it may sign in through the
    /// provider. <c>GET /admin/sign-in</c> starts the provider's sign-in and comes back to <c>/admin</c>;
    /// <c>POST /admin/sign-out</c> ends the operator's session here (not at the provider). Both answer 404 when no
    /// provider is configured. They are browser navigation, not API: left out of the API document.
    /// </summary>
    public static IEndpointRouteBuilder MapOperators(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v1/admin/session", (HttpContext context, IOptions<OperatorOptions> options) =>
            {
                context.Response.Headers.CacheControl = "no-store";
                var name = OperatorSession.NameOf(context);
                var oidc = OperatorSession.IsSignedIn(context);
                return TypedResults.Json(
                    new AdminSessionDto(AdminKey.IsVerified(context), oidc ? name : null,
                        oidc ? OperatorSession.OidcMethod : name is null ? null : OperatorSession.AdminKeyName, options.Value.Enabled),
                    ContractsJsonContext.Default.AdminSessionDto);
            })
            .Produces<AdminSessionDto>(StatusCodes.Status200OK, "application/json")
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithTags("Admin");

        routes.MapGet("/admin/sign-in", (IOptions<OperatorOptions> options) => options.Value.Enabled
                ? (IResult)TypedResults.Challenge(new AuthenticationProperties { RedirectUri = "/admin" }, [OperatorSetup.OidcScheme])
                : NoProvider())
            .ExcludeFromDescription();

        routes.MapPost("/admin/sign-out", async Task<IResult> (HttpContext context, IOptions<OperatorOptions> options) =>
            {
                if (!options.Value.Enabled)
                {
                    return NoProvider();
                }

                await context.SignOutAsync(OperatorSetup.CookieScheme);
                return TypedResults.NoContent();
            })
            .ExcludeFromDescription();
        return routes;
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult NoProvider() =>
        Problems.Create(StatusCodes.Status404NotFound, ErrorCodes.NotFound, "Not found.",
            "Operators do not sign in through an OIDC provider here (LiveVote:Operators:Authority is not set): use the admin key.");
}
