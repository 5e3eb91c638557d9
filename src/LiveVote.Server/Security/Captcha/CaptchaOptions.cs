using LiveVote.Server.Security.Tokens;

namespace LiveVote.Server.Security.Captcha;

/// <summary>Which CAPTCHA guards public registration.</summary>
public enum CaptchaProvider
{
    /// <summary>Our own ALTCHA-compatible proof of work: no third party, no cookies, nothing to configure.</summary>
    Altcha,

    /// <summary>Cloudflare Turnstile, verified with its siteverify API.</summary>
    Turnstile,

    /// <summary>hCaptcha, verified with its siteverify API.</summary>
    HCaptcha,
}

/// <summary>Configuration section <c>LiveVote:Captcha</c>.</summary>
public sealed class CaptchaOptions
{
    public const string Section = "LiveVote:Captcha";
    public const string TurnstileSiteVerifyUrl = "https://challenges.cloudflare.com/turnstile/v0/siteverify";
    public const string HCaptchaSiteVerifyUrl = "https://api.hcaptcha.com/siteverify";
    public const int MaxMaxNumber = 100_000_000;

    public CaptchaProvider Provider { get; set; } = CaptchaProvider.Altcha;

    /// <summary>
    /// ALTCHA difficulty: the secret number is drawn from 0..MaxNumber, so a solver tries MaxNumber / 2 hashes on average
    /// (about a tenth of a second on a phone at 100 000). Higher costs bots more, and real viewers' phones too.
    /// </summary>
    public int MaxNumber { get; set; } = 100_000;

    /// <summary>How long an ALTCHA challenge may be solved and used; also how long a used one is remembered.</summary>
    public TimeSpan ChallengeExpiry { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Most used ALTCHA challenges <see cref="InMemoryUsedChallenges"/> remembers at once (about 100 bytes each). When
    /// full of unexpired ones, registrations get 503 <c>captcha-unavailable</c> rather than letting a solution count
    /// twice; size it for peak registrations per second times <see cref="ChallengeExpiry"/> (the default covers 3 300 per
    /// second for 5 minutes). The server's stores do not use it: their <c>used_challenges</c> table holds one row per
    /// challenge used within <see cref="ChallengeExpiry"/> (plus a minute), and is bounded by that and the rate limits.
    /// </summary>
    public int UsedChallengeCapacity { get; set; } = 1_000_000;

    /// <summary>Hosted providers: the siteverify endpoint; empty means the provider's public one.</summary>
    public string? SiteVerifyUrl { get; set; }

    /// <summary>Hosted providers: the secret key the siteverify call proves we own. A secret: set it from a secret store.</summary>
    public string? Secret { get; set; }

    /// <summary>Hosted providers: how long to wait for siteverify before answering 503 <c>captcha-unavailable</c>.</summary>
    public TimeSpan VerifyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public string EffectiveSiteVerifyUrl => !string.IsNullOrWhiteSpace(SiteVerifyUrl)
        ? SiteVerifyUrl
        : Provider == CaptchaProvider.HCaptcha ? HCaptchaSiteVerifyUrl : TurnstileSiteVerifyUrl;

    public bool IsValid() => Provider switch
    {
        CaptchaProvider.Altcha => MaxNumber is >= 1 and <= MaxMaxNumber && ChallengeExpiry > TimeSpan.Zero &&
                                  ChallengeExpiry <= TimeSpan.FromHours(1) && UsedChallengeCapacity >= 1,
        CaptchaProvider.Turnstile or CaptchaProvider.HCaptcha => !string.IsNullOrEmpty(Secret) &&
                                                                 ExternalTokenOptions.IsAllowedUrl(EffectiveSiteVerifyUrl) &&
                                                                 VerifyTimeout > TimeSpan.Zero,
        _ => false,
    };
}
