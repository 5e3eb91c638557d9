using LiveVote.Server.Telemetry;

namespace LiveVote.Server.Security.Captcha;

/// <summary>Counts every verification by outcome (<see cref="LiveVoteTelemetry.CaptchaVerified"/>), wherever it is asked for.</summary>
internal sealed class MeteredCaptchaVerifier(ICaptchaVerifier inner) : ICaptchaVerifier
{
    public CaptchaProvider Provider => inner.Provider;

    public async ValueTask<CaptchaOutcome> VerifyAsync(string? solution, string? remoteIp, CancellationToken cancellationToken)
    {
        var outcome = await inner.VerifyAsync(solution, remoteIp, cancellationToken).ConfigureAwait(false);
        LiveVoteTelemetry.CaptchaVerified(inner.Provider, outcome);
        return outcome;
    }
}
