using System.Security.Cryptography;
using LiveVote.Contracts;
using LiveVote.Server.Hosting;
using LiveVote.Server.Hosting.OpenApi;
using LiveVote.Server.Security;
using LiveVote.Server.Security.Admin;
using LiveVote.Server.Security.Captcha;
using LiveVote.Server.Security.RateLimiting;
using LiveVote.Server.Security.Tokens;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LiveVote.Server.Viewers;

public static class ViewerEndpoints
{
    public const int MaxDisplayNameLength = 64;

    public static RouteGroupBuilder MapViewers(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/viewers").WithTags("Viewers").ProducesProblem(StatusCodes.Status429TooManyRequests);

        // 401 for a wrong admin key (a back end's mistake, not a public registration); 403 a refused CAPTCHA solution;
        // 503 a hosted CAPTCHA provider that cannot answer.
        group.MapPost("/", RegisterAsync).WithRequestKind(RequestKind.Register)
            .ProducesBodyProblems()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return group;
    }

    /// <summary>
    /// Registers a viewer: a fresh random viewer id and a signed token for it. Nothing about the viewer is stored: the
    /// token is the registration, and votes are stored under the HMAC pseudonym of the id (privacy by design).
    /// A request with a valid admin key is a trusted back-end registration (the broadcaster's own account system) and
    /// needs no CAPTCHA; a wrong admin key is refused rather than treated as public. A public one must carry a solved
    /// CAPTCHA, checked after the rest of the request so a bad display name does not spend the viewer's solution.
    /// </summary>
    private static async Task<Results<Created<RegisterViewerResponse>, ProblemHttpResult>> RegisterAsync(
        RegisterViewerRequest? request,
        HttpContext context,
        ViewerTokens tokens,
        ICaptchaVerifier captcha,
        CancellationToken cancellationToken)
    {
        if (request?.DisplayName is { } name && (name.Length > MaxDisplayNameLength || string.IsNullOrWhiteSpace(name)))
        {
            return Problems.BadRequest(ErrorCodes.InvalidRequest, $"displayName must be 1 to {MaxDisplayNameLength} characters.");
        }

        var backEnd = context.Request.Headers.ContainsKey(AdminKey.Header);
        if (backEnd)
        {
            if (!AdminKey.IsVerified(context))
            {
                return Problems.Create(StatusCodes.Status401Unauthorized, ErrorCodes.AdminKeyRequired, "A valid admin key is required.",
                    $"Back ends send the admin key in {AdminKey.Header}; viewers send no {AdminKey.Header} and a solved CAPTCHA.");
            }
        }
        else
        {
            var outcome = await captcha.VerifyAsync(request?.Captcha, context.Connection.RemoteIpAddress?.ToString(), cancellationToken);
            if (outcome != CaptchaOutcome.Passed)
            {
                return CaptchaProblems.For(outcome, captcha.Provider, context);
            }
        }

        var viewerId = NewViewerId();
        var (token, expiresAt) = tokens.Issue(viewerId);
        Telemetry.LiveVoteTelemetry.ViewerRegistered(backEnd ? "backend" : "public");
        return TypedResults.Created((string?)null, new RegisterViewerResponse(viewerId, token, expiresAt));
    }

    /// <summary>128 random bits, base64url: unguessable, so a viewer id cannot be claimed by someone else.</summary>
    private static string NewViewerId()
    {
        Span<byte> id = stackalloc byte[16];
        RandomNumberGenerator.Fill(id);
        return System.Buffers.Text.Base64Url.EncodeToString(id);
    }
}
