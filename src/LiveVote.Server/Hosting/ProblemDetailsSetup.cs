using LiveVote.Contracts;
using Microsoft.AspNetCore.Diagnostics;

namespace LiveVote.Server.Hosting;

/// <summary>
/// Makes every error the framework itself produces (bad JSON, wrong content type, body too large, unknown route,
/// unhandled exception) a problem+json with a <c>code</c> too, and never with internal details.
/// </summary>
public static class ProblemDetailsSetup
{
    public static IServiceCollection AddLiveVoteProblemDetails(this IServiceCollection services) =>
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var details = context.ProblemDetails;
            if (context.Exception is BadHttpRequestException bad)
            {
                details.Status = bad.StatusCode;
                context.HttpContext.Response.StatusCode = bad.StatusCode;
                details.Detail = bad.StatusCode == StatusCodes.Status413PayloadTooLarge
                    ? "The request body is too large."
                    : "The request could not be read: check the JSON body and its content type.";
            }
            else if (context.Exception is not null)
            {
                details.Detail = null;
            }

            details.Extensions.Remove("exception");
            details.Extensions.Remove("traceId");
            if (details.Status == StatusCodes.Status400BadRequest && details.Detail is null)
            {
                details.Detail = "The request could not be read: check the JSON body, its types and its content type.";
            }

            if (!details.Extensions.ContainsKey("code"))
            {
                var code = CodeFor(details.Status ?? context.HttpContext.Response.StatusCode);
                details.Extensions["code"] = code;
                details.Type = Problems.TypeFor(code);
            }
        });

    public static WebApplication UseLiveVoteProblemDetails(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = e => e is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages();
        return app;
    }

    private static string CodeFor(int status) => status switch
    {
        StatusCodes.Status400BadRequest => ErrorCodes.InvalidRequest,
        StatusCodes.Status401Unauthorized => ErrorCodes.Unauthorized,
        StatusCodes.Status404NotFound => ErrorCodes.NotFound,
        StatusCodes.Status405MethodNotAllowed => ErrorCodes.MethodNotAllowed,
        StatusCodes.Status413PayloadTooLarge => ErrorCodes.PayloadTooLarge,
        StatusCodes.Status415UnsupportedMediaType => ErrorCodes.UnsupportedMediaType,
        StatusCodes.Status431RequestHeaderFieldsTooLarge => ErrorCodes.InvalidRequest,
        >= 500 => ErrorCodes.InternalError,
        _ => ErrorCodes.InvalidRequest,
    };
}
