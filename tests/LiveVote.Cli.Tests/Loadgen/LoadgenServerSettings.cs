namespace LiveVote.Cli.Tests.Loadgen;

/// <summary>
/// Server settings for load tests: all load comes from 127.0.0.1 with young tokens, so the per-IP/per-network vote
/// buckets are raised and the risk thresholds put out of reach (the limiters and the scorer still run on every
/// vote). Durability settings are untouched.
/// </summary>
internal static class LoadgenServerSettings
{
    public static Dictionary<string, string?> HighLimits() => new()
    {
        ["LiveVote:RateLimits:VotePerIp:TokenLimit"] = "1000000000",
        ["LiveVote:RateLimits:VotePerIp:TokensPerPeriod"] = "100000000",
        ["LiveVote:RateLimits:VotePerNetwork:TokenLimit"] = "1000000000",
        ["LiveVote:RateLimits:VotePerNetwork:TokensPerPeriod"] = "100000000",
        ["LiveVote:Risk:CaptchaThreshold"] = "1000",
        ["LiveVote:Risk:BlockThreshold"] = "1000",
    };
}
