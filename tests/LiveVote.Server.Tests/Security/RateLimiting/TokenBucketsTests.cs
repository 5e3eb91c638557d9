using LiveVote.Server.Security.RateLimiting;
using Microsoft.Extensions.Time.Testing;

namespace LiveVote.Server.Tests.Security.RateLimiting;

public sealed class TokenBucketsTests : IDisposable
{
    private const int Small = 0;
    private const int Large = 1;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 20, 0, 0, TimeSpan.Zero));
    private readonly TokenBuckets _buckets;

    public TokenBucketsTests() => _buckets = new TokenBuckets(
    [
        new TokenBucketLimit { TokenLimit = 3, TokensPerPeriod = 1, Period = TimeSpan.FromSeconds(1) },
        new TokenBucketLimit { TokenLimit = 100, TokensPerPeriod = 10, Period = TimeSpan.FromMilliseconds(100) },
    ], _time);

    public void Dispose() => _buckets.Dispose();

    [Fact]
    public void NewKey_GetsTheWholeBurst_ThenIsRefusedWithTheTimeToTheNextRefill()
    {
        Assert.Equal(3, TakeAll(Small, 1));

        _time.Advance(TimeSpan.FromMilliseconds(400));
        Assert.False(_buckets.TryTake(Small, 1, out var retryAfter));
        Assert.Equal(TimeSpan.FromMilliseconds(600), retryAfter);
    }

    [Fact]
    public void EmptyBucket_RefillsByWholePeriods_UpToTheBurstOnly()
    {
        TakeAll(Small, 1);

        _time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(_buckets.TryTake(Small, 1, out _));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, TakeAll(Small, 1));

        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(3, TakeAll(Small, 1));
    }

    [Fact]
    public void RefillKeepsPartialPeriods_SoTheRateHoldsAcrossManySmallWaits()
    {
        TakeAll(Small, 1);

        // Ten waits of 300 ms make 3 s: three tokens, not zero (a refill that restarted the period would lose them).
        var taken = 0;
        for (var i = 0; i < 10; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(300));
            taken += TakeAll(Small, 1);
        }

        Assert.Equal(3, taken);
    }

    [Fact]
    public void Keys_AndLimits_HaveBucketsOfTheirOwn()
    {
        TakeAll(Small, 1);

        Assert.True(_buckets.TryTake(Small, 2, out _));
        Assert.True(_buckets.TryTake(Large, 1, out _));
        Assert.Equal(99, TakeAll(Large, 1));
        Assert.False(_buckets.TryTake(Small, 1, out _));
    }

    [Fact]
    public void KeysDifferingOnlyInHighBits_AreDistinct()
    {
        var network = (UInt128)0xC0A80100 << 64;
        TakeAll(Small, network);

        Assert.True(_buckets.TryTake(Small, network + ((UInt128)1 << 64), out _));
    }

    [Fact]
    public void Sweep_ForgetsBucketsThatRefilled_AndKeepsTheOthers()
    {
        for (UInt128 key = 1; key <= 1000; key++)
        {
            _buckets.TryTake(Small, key, out _);
        }

        TakeAll(Small, 5000);
        Assert.Equal(1001, _buckets.Count);

        // After 1 s the 1,000 buckets that gave one token are full again; the emptied one still owes two tokens.
        _time.Advance(TimeSpan.FromSeconds(1));
        _buckets.Sweep();

        Assert.Equal(1, _buckets.Count);
        Assert.Equal(1, TakeAll(Small, 5000));
        Assert.Equal(3, TakeAll(Small, 1));
    }

    [Fact]
    public void SweepTimer_RunsByItself()
    {
        _buckets.TryTake(Small, 7, out _);
        Assert.Equal(1, _buckets.Count);

        _time.Advance(TokenBuckets.SweepInterval);

        Assert.Equal(0, _buckets.Count);
    }

    private int TakeAll(int limit, UInt128 key)
    {
        var taken = 0;
        while (_buckets.TryTake(limit, key, out _))
        {
            taken++;
        }

        return taken;
    }
}
