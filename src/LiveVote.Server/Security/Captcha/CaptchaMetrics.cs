using System.Diagnostics.Metrics;
using LiveVote.Server.Telemetry;

namespace LiveVote.Server.Security.Captcha;

/// <summary>
/// CAPTCHA verifications by provider and outcome (<c>livevote.captcha.verifications</c>), on the server's meter name, so
/// a wave of replays or wrong numbers (a bot at work) shows on the dashboard next to the votes.
/// </summary>
public static class CaptchaMetrics
{
    private static readonly Meter Meter = Metrics.Meter; // The one Meter of the server: instruments may live beside their feature.

    private static readonly Counter<long> Verifications = Meter.CreateCounter<long>(
        "livevote.captcha.verifications", "{verification}", "CAPTCHA solutions checked at registration, by provider and outcome.");

    private static readonly KeyValuePair<string, object?>[][][] Tags =
    [
        .. Enum.GetValues<CaptchaProvider>().Select(provider => Enum.GetValues<CaptchaOutcome>().Select(outcome => new KeyValuePair<string, object?>[]
        {
            new("provider", provider.ToString().ToLowerInvariant()),
            new("outcome", OutcomeName(outcome)),
        }).ToArray()),
    ];

    public static void Verified(CaptchaProvider provider, CaptchaOutcome outcome) => Verifications.Add(1, Tags[(int)provider][(int)outcome]);

    public static string OutcomeName(CaptchaOutcome outcome) => outcome switch
    {
        CaptchaOutcome.Passed => "passed",
        CaptchaOutcome.Missing => "missing",
        CaptchaOutcome.Malformed => "malformed",
        CaptchaOutcome.WrongNumber => "wrong-number",
        CaptchaOutcome.BadSignature => "bad-signature",
        CaptchaOutcome.Expired => "expired",
        CaptchaOutcome.Replayed => "replayed",
        CaptchaOutcome.SplicedSalt => "spliced-salt",
        CaptchaOutcome.Rejected => "rejected",
        _ => "unavailable",
    };
}
