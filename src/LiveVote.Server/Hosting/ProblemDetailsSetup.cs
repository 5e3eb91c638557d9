using LiveVote.Contracts;
using LiveVote.Server.Security.RateLimiting;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Json;
using ProblemDetails = Microsoft.AspNetCore.Mvc.ProblemDetails;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Hosting;

/// <summary>
/// Makes every error the framework itself produces (bad JSON, wrong content type, body too large, unknown route,
/// unhandled exception) a problem+json with a <c>code</c> too, whatever the request's Accept header, and never with
/// internal details.
/// </summary>
public static class ProblemDetailsSetup
{
    public static IServiceCollection AddLiveVoteProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = Customize);

        // Before the framework's writer, whatever registered it: the problems the endpoints make, written directly.
        if (!services.Any(d => d.ImplementationType == typeof(DirectProblemWriter)))
        {
            var first = services.Select((descriptor, index) => (descriptor, index)).First(d => d.descriptor.ServiceType == typeof(IProblemDetailsWriter)).index;
            services.Insert(first, ServiceDescriptor.Singleton<IProblemDetailsWriter, DirectProblemWriter>());
        }

        // After the framework's writer, which declines a request that accepts only other types (text/html, ...).
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IProblemDetailsWriter, ProblemJsonWhateverAcceptWriter>());
        return services;
    }

    private static void Customize(ProblemDetailsContext context)
    {
        var details = context.ProblemDetails;
        if (IsMalformedChunk(context.Exception))
        {
            details.Status = StatusCodes.Status400BadRequest;
            context.HttpContext.Response.StatusCode = StatusCodes.Status400BadRequest;
            details.Detail = "The request body's chunked encoding is malformed.";
        }
        else if (context.Exception is BadHttpRequestException bad)
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
    }

    public static WebApplication UseLiveVoteProblemDetails(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = e => e is BadHttpRequestException bad ? bad.StatusCode
                : IsMalformedChunk(e) ? StatusCodes.Status400BadRequest : StatusCodes.Status500InternalServerError,

            // A request the client got wrong (unreadable body, too large) is the client's error, answered 4xx: logging
            // each one as an error with its stack trace would let anyone grow the log without bound.
            SuppressDiagnosticsCallback = context => context.Exception is BadHttpRequestException || IsMalformedChunk(context.Exception),
        });

        // The status code pages give a body to an error answered without one (404 of an unknown route, 405, ...). The
        // vote route writes a body with every answer (its own problems, the limits' 429, the guards' 4xx): it skips the
        // middleware, which otherwise costs each vote an async state machine and a feature object. So does the results
        // stream (WritesItsOwnBody), where that state machine would stay suspended as long as the stream is open. Not on a management
        // listener, though, whose refusal of a public route is a bodyless 404 (UseManagementPort).
        var listeners = app.Services.GetRequiredService<ManagementListeners>();
        app.UseWhen(context => !AnswersWithItsOwnBody(context, listeners), pages => pages.UseStatusCodePages());
        return app;
    }

    private static bool AnswersWithItsOwnBody(HttpContext context, ManagementListeners listeners) =>
        (RequestKinds.Of(context) == RequestKind.Vote || context.GetEndpoint()?.Metadata.GetMetadata<WritesItsOwnBody>() is not null)
        && (!listeners.Enabled || ManagementListeners.Allows(context));

    /// <summary>
    /// Kestrel reports a chunk size that overflows (more hex digits than fit an int) as a plain IOException("Bad chunk
    /// size data.") wrapping an OverflowException, not as the BadHttpRequestException of every other framing error: it
    /// is the client's malformed body all the same (found by HostileInputTests, seed 452125366).
    /// </summary>
    private static bool IsMalformedChunk(Exception? e) =>
        e is IOException { InnerException: OverflowException } and not BadHttpRequestException
        && e.StackTrace?.Contains("ChunkedEncodingMessageBody", StringComparison.Ordinal) == true;

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

/// <summary>
/// The last problem details writer: problem+json for a request whose Accept names only other types (text/html,
/// application/xml), which the framework's writer declines. Without it such a request got a text/plain
/// "Status Code: 404; Not Found" (found by the generative hostile-input test), though every error is documented to be
/// problem+json with a code.
/// </summary>
internal sealed class ProblemJsonWhateverAcceptWriter(IOptions<ProblemDetailsOptions> options, IOptions<JsonOptions> json) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var response = context.HttpContext.Response;
        var details = context.ProblemDetails;
        details.Status ??= response.StatusCode;
        details.Title ??= ReasonPhrases.GetReasonPhrase(details.Status.Value);
        options.Value.CustomizeProblemDetails?.Invoke(context);
        var typeInfo = json.Value.SerializerOptions.GetTypeInfo(typeof(ProblemDetails));
        return new ValueTask(response.WriteAsJsonAsync(details, typeInfo, "application/problem+json", context.HttpContext.RequestAborted));
    }
}

/// <summary>
/// Endpoint metadata of a route that writes a body with every answer it gives (the results stream): the status code
/// pages skip it (<see cref="ProblemDetailsSetup.UseLiveVoteProblemDetails"/>).
/// </summary>
internal sealed class WritesItsOwnBody
{
    public static readonly WritesItsOwnBody Instance = new();

    private WritesItsOwnBody()
    {
    }
}
