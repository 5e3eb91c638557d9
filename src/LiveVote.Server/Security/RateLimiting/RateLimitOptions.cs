using System.ComponentModel.DataAnnotations;

namespace LiveVote.Server.Security.RateLimiting;

/// <summary>
/// Configuration section <c>LiveVote:RateLimits</c>: the hard limits in front of registration and voting, the global
/// concurrency limit and the admin-key lockout. Every limit is a token bucket (a burst of <c>TokenLimit</c>, refilled
/// by <c>TokensPerPeriod</c> every <c>Period</c>); a request over it gets 429 <c>rate-limited</c> with Retry-After.
/// <para>
/// Sizing: mobile carriers put thousands of real viewers behind one IPv4 address (carrier-grade NAT), and they all
/// vote in the first seconds after a poll opens. So the per-IP and per-network buckets are sized for a crowd, not for
/// one person: they only stop floods no crowd produces. The per-viewer buckets and the risk score (LiveVote:Risk) are
/// the real defence against scripted voting. Requests with a valid admin key (a trusted back end) skip the public
/// per-viewer, per-IP and per-network limits, not the concurrency limit.
/// </para>
/// </summary>
public sealed class RateLimitOptions : IValidatableObject
{
    public const string Section = "LiveVote:RateLimits";

    /// <summary>Off only for benchmarks of the bare vote path; the admin-key lockout stays on.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Requests in progress at once (results streams and health checks excluded: they are long-lived or must always
    /// answer). 16,384 covers a full ingest queue (8,192 votes waiting) plus a batch being committed (4,096) plus reads
    /// with room to spare; beyond it requests only queue for the same writer and memory, so refusing early keeps the
    /// latency of those admitted.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxConcurrentRequests { get; set; } = 16_384;

    /// <summary>
    /// Votes per viewer token. A viewer votes once per poll; an app may retry a lost answer. 60 at once and one a second
    /// after that is far beyond an honest client, yet one token cannot keep the writer busy (every duplicate still
    /// costs a writer slot).
    /// </summary>
    public TokenBucketLimit VotePerViewer { get; set; } = new() { TokenLimit = 60, TokensPerPeriod = 1, Period = TimeSpan.FromSeconds(1) };

    /// <summary>
    /// Votes per IPv4 address (IPv6 /64). Generous on purpose: 5,000 viewers behind one carrier NAT address voting
    /// within a second of the poll opening must pass, then 500 a second (30,000 a minute) for a big NAT pool.
    /// </summary>
    public TokenBucketLimit VotePerIp { get; set; } = new() { TokenLimit = 5_000, TokensPerPeriod = 50, Period = TimeSpan.FromMilliseconds(100) };

    /// <summary>
    /// Votes per IPv4 /24 (IPv6 /48): a carrier spreads its NAT over a few addresses of one /24, so four times the
    /// per-IP bucket. It stops a data-centre range from flooding; the risk score judges what passes.
    /// </summary>
    public TokenBucketLimit VotePerNetwork { get; set; } = new() { TokenLimit = 20_000, TokensPerPeriod = 200, Period = TimeSpan.FromMilliseconds(100) };

    /// <summary>
    /// Public registrations per IPv4 address (IPv6 /64). Each already costs a solved CAPTCHA; NAT crowds register at
    /// show start too, so 2,000 at once and 100 a second after that.
    /// </summary>
    public TokenBucketLimit RegisterPerIp { get; set; } = new() { TokenLimit = 2_000, TokensPerPeriod = 10, Period = TimeSpan.FromMilliseconds(100) };

    /// <summary>Public registrations per IPv4 /24 (IPv6 /48): five times the per-IP bucket, as for votes.</summary>
    public TokenBucketLimit RegisterPerNetwork { get; set; } = new() { TokenLimit = 10_000, TokensPerPeriod = 50, Period = TimeSpan.FromMilliseconds(100) };

    /// <summary>
    /// CAPTCHA challenges per IPv4 address (IPv6 /64). A registration needs one challenge, a challenged vote one more,
    /// so twice the registration bucket; a challenge is cheap to make, but not free.
    /// </summary>
    public TokenBucketLimit ChallengePerIp { get; set; } = new() { TokenLimit = 4_000, TokensPerPeriod = 20, Period = TimeSpan.FromMilliseconds(100) };

    /// <summary>
    /// Wrong admin keys from one client network (IPv4 /24, IPv6 /48) within <see cref="AdminFailureWindow"/> before
    /// that network's wrong keys are refused outright (429); the right key always passes, so a producer behind a
    /// shared NAT is never locked out by someone else's guesses. A 16+ character random key cannot be guessed online
    /// anyway (that, not the lockout, is what protects it); the lockout makes the attempt visible (metric + audit
    /// entry) and cheap to refuse. 50 stays within NIST SP 800-63B's "no more than 100 consecutive failures" while a
    /// producer who mistypes the key a few times is never locked out.
    /// </summary>
    [Range(1, 1_000_000)]
    public int AdminFailuresBeforeLockout { get; set; } = 50;

    /// <summary>Failures older than this are forgotten: five minutes.</summary>
    public TimeSpan AdminFailureWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>First lockout: one minute, doubled on each further lockout of the same network.</summary>
    public TimeSpan AdminLockout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Longest lockout (the doubling stops here): one hour. A network quiet for this long starts again from
    /// <see cref="AdminLockout"/>.
    /// </summary>
    public TimeSpan AdminMaxLockout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Admin-lockout audit entries written in any hour at most, whatever the number of networks locked out
    /// (Security/Admin/AdminLockoutNotes). Each network adds at most one per lockout, but an attacker holding many
    /// networks could otherwise grow the public trail without bound. Lockouts over the cap still hold and are counted;
    /// the next entry written says how many were left out. 60: one a minute on average, far more than mistyped keys
    /// produce, and at most 1,440 such entries a day.
    /// </summary>
    [Range(1, 100_000)]
    public int AdminLockoutNotesPerHour { get; set; } = 60;

    /// <summary>
    /// Admin action log lines of requests with a wrong admin key written in any minute at most
    /// (Security/Admin/RefusedAdminLogQuota); verified admins' lines are never capped. 10 a minute names the
    /// networks that are trying while a storm of wrong keys adds at most 14,400 lines a day.
    /// </summary>
    [Range(1, 100_000)]
    public int AdminRefusalLogLinesPerMinute { get; set; } = 10;

    /// <summary>Retry-After, in seconds, when the concurrency limit refuses a request (it has no refill time of its own).</summary>
    [Range(1, 60)]
    public int BusyRetryAfterSeconds { get; set; } = 1;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, limit) in new[]
                 {
                     (nameof(VotePerViewer), VotePerViewer), (nameof(VotePerIp), VotePerIp), (nameof(VotePerNetwork), VotePerNetwork),
                     (nameof(RegisterPerIp), RegisterPerIp), (nameof(RegisterPerNetwork), RegisterPerNetwork), (nameof(ChallengePerIp), ChallengePerIp),
                 })
        {
            if (limit.Error() is { } error)
            {
                yield return new ValidationResult($"{Section}:{name}: {error}", [name]);
            }
        }

        if (AdminFailureWindow <= TimeSpan.Zero || AdminLockout <= TimeSpan.Zero || AdminMaxLockout < AdminLockout)
        {
            yield return new ValidationResult(
                $"{Section}: AdminFailureWindow and AdminLockout must be positive and AdminMaxLockout at least AdminLockout.",
                [nameof(AdminFailureWindow), nameof(AdminLockout), nameof(AdminMaxLockout)]);
        }
    }
}

/// <summary>A token bucket: a burst of <see cref="TokenLimit"/>, refilled by <see cref="TokensPerPeriod"/> every <see cref="Period"/>.</summary>
public sealed class TokenBucketLimit
{
    public int TokenLimit { get; set; }

    public int TokensPerPeriod { get; set; }

    public TimeSpan Period { get; set; }

    /// <summary>
    /// Why the limit is unusable, or null. The period is at least 100 ms: buckets refill in whole periods, and a finer
    /// grain only spreads the same rate thinner (a burst of <see cref="TokenLimit"/> absorbs the rest).
    /// </summary>
    public string? Error() =>
        TokenLimit < 1 ? "TokenLimit must be at least 1."
        : TokensPerPeriod < 1 || TokensPerPeriod > TokenLimit ? "TokensPerPeriod must be 1 to TokenLimit."
        : Period < TimeSpan.FromMilliseconds(100) || Period > TimeSpan.FromHours(1) ? "Period must be 100 ms to 1 hour."
        : null;
}
