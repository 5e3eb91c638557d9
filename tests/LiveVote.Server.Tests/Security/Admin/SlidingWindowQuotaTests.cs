using LiveVote.Server.Security.Admin;
using Microsoft.Extensions.Time.Testing;

namespace LiveVote.Server.Tests.Security.Admin;

public sealed class SlidingWindowQuotaTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 20, 0, 0, TimeSpan.Zero));

    [Fact]
    public void AtMostTheLimitInAWindow_ThenRoomAgainOnceTheOldestLeaveIt_SayingHowManyWereRefused()
    {
        var quota = new SlidingWindowQuota(3, TimeSpan.FromMinutes(1), _time);

        Assert.Equal([true, true, true, false, false], Enumerable.Range(0, 5).Select(i => quota.TryTake(out _)));
        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.False(quota.TryTake(out _));

        // A minute after the first three, all three have left the window.
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(quota.TryTake(out var refused));
        Assert.Equal(3, refused);
        Assert.True(quota.TryTake(out refused));
        Assert.Equal(0, refused);
        Assert.True(quota.TryTake(out _));
        Assert.False(quota.TryTake(out refused));
        Assert.Equal(0, refused);
    }

    [Fact]
    public void TheWindowSlides_NoBurstOfTwiceTheLimitAroundAnEdge()
    {
        var quota = new SlidingWindowQuota(3, TimeSpan.FromMinutes(1), _time);
        Assert.True(quota.TryTake(out _));
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(quota.TryTake(out _));
        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.True(quota.TryTake(out _));

        // At 61 s only the first event has left the last minute: room for one, not for three.
        _time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal([true, false, false], Enumerable.Range(0, 3).Select(i => quota.TryTake(out _)));
    }

    [Fact]
    public async Task ConcurrentTakers_NeverGetMoreThanTheLimit()
    {
        var quota = new SlidingWindowQuota(50, TimeSpan.FromHours(1), _time);
        var taken = 0;

        await Parallel.ForAsync(0, 10_000, (_, _) =>
        {
            if (quota.TryTake(out _))
            {
                Interlocked.Increment(ref taken);
            }

            return ValueTask.CompletedTask;
        });

        Assert.Equal(50, taken);
    }
}
