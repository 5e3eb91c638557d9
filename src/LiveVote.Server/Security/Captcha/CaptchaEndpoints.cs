using LiveVote.Contracts;
using LiveVote.Server.Hosting;
using LiveVote.Server.Security.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Security.Captcha;

public static class CaptchaEndpoints
{
    public static IEndpointRouteBuilder MapCaptcha(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v1/captcha/challenge", Challenge).WithTags("Viewers").WithRequestKind(RequestKind.Challenge)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        return routes;
    }

    /// <summary>
    /// A fresh ALTCHA challenge, in the shape the ALTCHA widget's <c>challengeurl</c> expects. Never cached: each
    /// challenge counts once. With a hosted provider there is none to give: its widget talks to the provider.
    /// </summary>
    private static Results<Ok<CaptchaChallengeDto>, ProblemHttpResult> Challenge(HttpContext context, AltchaChallenges challenges, IOptions<CaptchaOptions> options)
    {
        if (options.Value.Provider != CaptchaProvider.Altcha)
        {
            return Problems.Create(StatusCodes.Status404NotFound, ErrorCodes.NotFound, "No proof-of-work challenge here.",
                $"This server uses {options.Value.Provider}: solve its widget and send the response token in 'captcha'.");
        }

        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(challenges.Create());
    }
}
