namespace LiveVote.Server.Security.Captcha;

/// <summary>What became of a CAPTCHA solution; every refusal has its own problem code (<see cref="CaptchaProblems"/>).</summary>
public enum CaptchaOutcome
{
    Passed,
    Missing,
    Malformed,
    WrongNumber,
    BadSignature,
    Expired,
    Replayed,
    SplicedSalt,
    Rejected,
    Unavailable,
}

/// <summary>
/// Checks the CAPTCHA solution a client sent. One implementation per provider (<see cref="CaptchaProvider"/>), chosen by
/// configuration, so the registration endpoint does not know which one runs.
/// </summary>
public interface ICaptchaVerifier
{
    CaptchaProvider Provider { get; }

    /// <param name="solution">The client's <c>captcha</c> field, as sent.</param>
    /// <param name="remoteIp">The client's address, for providers that weigh it.</param>
    /// <param name="cancellationToken">The request's abort.</param>
    ValueTask<CaptchaOutcome> VerifyAsync(string? solution, string? remoteIp, CancellationToken cancellationToken);
}
