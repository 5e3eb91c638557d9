using LiveVote.Contracts;
using LiveVote.Server.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LiveVote.Server.Security.Captcha;

/// <summary>
/// One problem per refusal. 400 when the request lacks a usable solution (nothing to verify), 403 when a solution was
/// verified and refused, 503 when a hosted provider (or the used-challenge store) cannot answer: retry shortly.
/// </summary>
public static class CaptchaProblems
{
    public const int UnavailableRetryAfterSeconds = 5;

    public static ProblemHttpResult For(CaptchaOutcome outcome, CaptchaProvider provider, HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        const string again = "Solve a new challenge (GET /v1/captcha/challenge) and send its solution.";
        return outcome switch
        {
            CaptchaOutcome.Missing => Problems.Create(StatusCodes.Status400BadRequest, ErrorCodes.CaptchaRequired, "A solved CAPTCHA is required.",
                provider == CaptchaProvider.Altcha ? again : $"Send the {provider} response token."),
            CaptchaOutcome.Malformed => Problems.Create(StatusCodes.Status400BadRequest, ErrorCodes.CaptchaMalformed, "The CAPTCHA solution cannot be read.",
                provider == CaptchaProvider.Altcha
                    ? "A solution is base64 of the JSON {algorithm, challenge, number, salt, signature} of one of our challenges."
                    : $"A solution is a {provider} response token."),
            CaptchaOutcome.WrongNumber => Refused(ErrorCodes.CaptchaWrongNumber, "The CAPTCHA was not solved: the number does not produce the challenge."),
            CaptchaOutcome.BadSignature => Refused(ErrorCodes.CaptchaBadSignature, "The CAPTCHA challenge was not issued by this server, or was altered."),
            CaptchaOutcome.Expired => Refused(ErrorCodes.CaptchaExpired, "The CAPTCHA challenge has expired. " + again),
            CaptchaOutcome.Replayed => Refused(ErrorCodes.CaptchaReplayed, "This CAPTCHA solution has been used already. " + again),
            CaptchaOutcome.SplicedSalt => Refused(ErrorCodes.CaptchaSplicedSalt, "The CAPTCHA salt was altered: its parameters must end with '&'."),
            CaptchaOutcome.Rejected => Refused(ErrorCodes.CaptchaRejected, $"{provider} did not accept the CAPTCHA response. Solve it again."),
            _ => Problems.Unavailable(context, ErrorCodes.CaptchaUnavailable, "The CAPTCHA cannot be verified right now; send the request again shortly.",
                UnavailableRetryAfterSeconds),
        };
    }

    private static ProblemHttpResult Refused(string code, string detail) =>
        Problems.Create(StatusCodes.Status403Forbidden, code, "The CAPTCHA was not accepted.", detail);
}
