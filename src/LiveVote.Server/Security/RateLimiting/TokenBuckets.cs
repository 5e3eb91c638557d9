using System.Runtime.InteropServices;

namespace LiveVote.Server.Security.RateLimiting;

/// <summary>
/// Token buckets by key (viewer, host, network), refilled lazily from the time elapsed when a key is used. Why not
/// ASP.NET Core's partitioned limiter: it creates a limiter object per key and its 100 ms heartbeat refills every
/// bucket it holds. With one bucket per voter, a vote storm of 8k votes/s kept ~90k buckets alive and the heartbeat
/// walked them all ten times a second (about a tenth of the server's CPU in the profile, see bench/README.md). Here a
/// bucket is a 16-byte struct in a sharded dictionary, touched only by its own requests, and a sweep every
/// <see cref="SweepInterval"/> drops the buckets that have refilled: a full bucket and a missing one mean the same.
/// </summary>
internal sealed class TokenBuckets : IDisposable
{
    /// <summary>Buckets full for this long are forgotten; memory follows the clients active in the last seconds.</summary>
    public static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(10);

    // A power of two well above the core count: two requests rarely wait for the same lock, and each shard's sweep is
    // short. 64 locks cost nothing.
    private const int ShardCount = 64;

    private readonly Shard[] _shards = new Shard[ShardCount];
    private readonly BucketRule[] _rules;
    private readonly TimeProvider _time;
    private readonly ITimer _sweeper;

    public TokenBuckets(IReadOnlyList<TokenBucketLimit> limits, TimeProvider time)
    {
        _time = time;
        _rules = limits.Select(l => new BucketRule(l.TokenLimit, l.TokensPerPeriod, (long)(l.Period.TotalSeconds * time.TimestampFrequency))).ToArray();
        for (var i = 0; i < _shards.Length; i++)
        {
            _shards[i] = new Shard();
        }

        _sweeper = time.CreateTimer(_ => Sweep(), null, SweepInterval, SweepInterval);
    }

    /// <summary>How many keys hold a bucket that is not full.</summary>
    public int Count => _shards.Sum(s => s.Count);

    /// <summary>
    /// Takes one token of <paramref name="key"/>'s bucket under limit <paramref name="limit"/> (its index in the limits
    /// given at construction). When empty, says how long until the next refill.
    /// </summary>
    public bool TryTake(int limit, UInt128 key, out TimeSpan retryAfter)
    {
        var rule = _rules[limit];
        var now = _time.GetTimestamp();
        var shard = _shards[ShardOf(key)];
        lock (shard.Lock)
        {
            ref var bucket = ref CollectionsMarshal.GetValueRefOrAddDefault(shard.Buckets, new BucketKey(limit, key), out var exists);
            if (!exists)
            {
                bucket = new Bucket(rule.TokenLimit, now);
            }
            else
            {
                Refill(ref bucket, rule, now);
            }

            if (bucket.Tokens > 0)
            {
                bucket.Tokens--;
                retryAfter = TimeSpan.Zero;
                return true;
            }

            retryAfter = TimeSpan.FromSeconds((double)(rule.PeriodTicks - (now - bucket.RefilledAt)) / _time.TimestampFrequency);
            return false;
        }
    }

    public void Dispose() => _sweeper.Dispose();

    /// <summary>Drops every bucket that is full by now: the next request of its key starts a full one anyway.</summary>
    internal void Sweep()
    {
        var now = _time.GetTimestamp();
        foreach (var shard in _shards)
        {
            lock (shard.Lock)
            {
                foreach (var (key, bucket) in shard.Buckets)
                {
                    var refilled = bucket;
                    Refill(ref refilled, _rules[key.Limit], now);
                    if (refilled.Tokens >= _rules[key.Limit].TokenLimit)
                    {
                        shard.Buckets.Remove(key);
                    }
                }
            }
        }
    }

    /// <summary>Mixes all 128 bits (a /24 network key has zero low bits) and keeps the top six: 0..63.</summary>
    private static int ShardOf(UInt128 key) => (int)((((ulong)key ^ (ulong)(key >> 64)) * 0x9E3779B97F4A7C15UL) >> 58);

    /// <summary>Adds the tokens of every whole period since the last refill, up to the burst.</summary>
    private static void Refill(ref Bucket bucket, in BucketRule rule, long now)
    {
        var periods = (now - bucket.RefilledAt) / rule.PeriodTicks;
        if (periods <= 0)
        {
            return;
        }

        var tokens = bucket.Tokens + (periods * rule.TokensPerPeriod);
        bucket.Tokens = (int)Math.Min(rule.TokenLimit, tokens);
        bucket.RefilledAt += periods * rule.PeriodTicks;
    }

    private readonly record struct BucketRule(int TokenLimit, int TokensPerPeriod, long PeriodTicks);

    private readonly record struct BucketKey(int Limit, UInt128 Key);

    private struct Bucket(int tokens, long refilledAt)
    {
        public int Tokens = tokens;
        public long RefilledAt = refilledAt;
    }

    private sealed class Shard
    {
        public readonly Lock Lock = new();
        public readonly Dictionary<BucketKey, Bucket> Buckets = [];

        public int Count
        {
            get
            {
                lock (Lock)
                {
                    return Buckets.Count;
                }
            }
        }
    }
}
