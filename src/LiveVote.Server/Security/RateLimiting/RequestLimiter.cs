using System.Threading.RateLimiting;
using LiveVote.Server.Security.Admin;
using LiveVote.Server.Security.Risk;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Security.RateLimiting;

/// <summary>The limits by name, as metrics and the 429 answer name them.</summary>
public enum LimitName : byte
{
    Concurrency,
    VotePerViewer,
    VotePerIp,
    VotePerNetwork,
    RegisterPerIp,
    RegisterPerNetwork,
    ChallengePerIp,
}

/// <summary>
/// The global limiter of ASP.NET Core's rate limiting middleware: one concurrency limit for every request (except
/// <see cref="RequestKind.Exempt"/>), then the token buckets of the request's kind, keyed by host and network (votes
/// per viewer are limited by the vote endpoint once it validated the token: <see cref="ViewerVoteLimit"/>). Buckets (<see cref="TokenBuckets"/>) are created on first use and dropped once full again, so memory
/// follows the clients active in the last seconds. Verified admin-key requests skip the buckets (<see cref="AdminKey.IsVerified"/>).
/// </summary>
internal sealed class RequestLimiter : PartitionedRateLimiter<HttpContext>
{
    // Widest first: a flood from one network is stopped before it creates a bucket per forged token or per host.
    // The per-viewer bucket needs the validated viewer, which only the vote endpoint has: ViewerVoteLimit.
    private static readonly LimitName[] VoteLimits = [LimitName.VotePerNetwork, LimitName.VotePerIp];
    private static readonly LimitName[] RegisterLimits = [LimitName.RegisterPerNetwork, LimitName.RegisterPerIp];
    private static readonly LimitName[] ChallengeLimits = [LimitName.ChallengePerIp];

    private readonly bool _enabled;
    private readonly ConcurrencyLimiter _concurrency;
    private readonly TokenBuckets _buckets;

    public RequestLimiter(IOptions<RateLimitOptions> options, TimeProvider time)
    {
        var o = options.Value;
        _enabled = o.Enabled;
        _concurrency = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = o.MaxConcurrentRequests, QueueLimit = 0 });

        // Indexed by LimitName; the concurrency and per-viewer slots are never used as buckets here.
        var limits = new TokenBucketLimit[Enum.GetValues<LimitName>().Length];
        limits[(int)LimitName.Concurrency] = o.VotePerViewer;
        limits[(int)LimitName.VotePerViewer] = o.VotePerViewer;
        limits[(int)LimitName.VotePerIp] = o.VotePerIp;
        limits[(int)LimitName.VotePerNetwork] = o.VotePerNetwork;
        limits[(int)LimitName.RegisterPerIp] = o.RegisterPerIp;
        limits[(int)LimitName.RegisterPerNetwork] = o.RegisterPerNetwork;
        limits[(int)LimitName.ChallengePerIp] = o.ChallengePerIp;
        _buckets = new TokenBuckets(limits, time);
    }

    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => _concurrency.GetStatistics();

    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount) => Acquire(resource);

    /// <summary>
    /// The middleware asks again, asynchronously, after a refused attempt. Nothing here queues, so the answer is the
    /// refusal already given: acquiring again would take a second token from the buckets the first attempt passed.
    /// </summary>
    protected override ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(resource.Features.Get<RateLimitRejection>()?.Lease ?? Acquire(resource));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _concurrency.Dispose();
            _buckets.Dispose();
        }

        base.Dispose(disposing);
    }

    private RateLimitLease Acquire(HttpContext context)
    {
        if (!_enabled)
        {
            return AcquiredLease.Instance;
        }

        var kind = RequestKinds.Of(context);
        if (kind == RequestKind.Exempt)
        {
            return AcquiredLease.Instance;
        }

        var held = _concurrency.AttemptAcquire();
        if (!held.IsAcquired)
        {
            return Refuse(context, LimitName.Concurrency, held);
        }

        var limits = kind switch
        {
            RequestKind.Vote => VoteLimits,
            RequestKind.Register => RegisterLimits,
            RequestKind.Challenge => ChallengeLimits,
            _ => [],
        };
        if (limits.Length == 0 || AdminKey.IsVerified(context))
        {
            return held;
        }

        var client = ClientNetwork.Of(context);
        foreach (var limit in limits)
        {
            if (!_buckets.TryTake((int)limit, KeyFor(limit, client).Key, out var retryAfter))
            {
                held.Dispose();
                return Refuse(context, limit, retryAfter);
            }
        }

        return held;
    }

    private static LimitKey KeyFor(LimitName limit, in ClientNetwork client) => limit switch
    {
        LimitName.VotePerIp or LimitName.RegisterPerIp or LimitName.ChallengePerIp => new LimitKey(limit, client.Host),
        _ => new LimitKey(limit, client.Network),
    };

    private static RateLimitLease Refuse(HttpContext context, LimitName limit, RateLimitLease lease) =>
        Refuse(context, limit, lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : (TimeSpan?)null);

    private static RateLimitLease Refuse(HttpContext context, LimitName limit, TimeSpan? retryAfter)
    {
        var refusal = new RateLimitRejection(limit, retryAfter, new RefusedLease(retryAfter));
        context.Features.Set(refusal);
        return refusal.Lease;
    }

    internal readonly record struct LimitKey(LimitName Limit, UInt128 Key);

    private sealed class AcquiredLease : RateLimitLease
    {
        public static readonly AcquiredLease Instance = new();

        public override bool IsAcquired => true;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }

    private sealed class RefusedLease(TimeSpan? retryAfter) : RateLimitLease
    {
        public override bool IsAcquired => false;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = retryAfter;
            return retryAfter is not null && metadataName == MetadataName.RetryAfter.Name;
        }
    }
}

/// <summary>Which limit refused the request and when to retry: read by the 429 writer and the metrics.</summary>
internal sealed record RateLimitRejection(LimitName Limit, TimeSpan? RetryAfter, RateLimitLease Lease);
