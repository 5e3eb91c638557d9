using LiveVote.Server.Security.Admin;
using LiveVote.Server.Security.RateLimiting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LiveVote.Server.Tests.Security.Admin;

public sealed class AdminLockoutTests
{
    private static readonly UInt128 Network = 42;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 20, 0, 0, TimeSpan.Zero));

    private AdminLockout Create(int threshold = 3) => new(Options.Create(new RateLimitOptions
    {
        AdminFailuresBeforeLockout = threshold,
        AdminFailureWindow = TimeSpan.FromMinutes(5),
        AdminLockout = TimeSpan.FromMinutes(1),
        AdminMaxLockout = TimeSpan.FromMinutes(8),
    }), _time);

    [Fact]
    public void Failures_BelowThreshold_DoNotLockOut()
    {
        var lockout = Create();

        Assert.False(lockout.RecordFailure(Network).LockedNow);
        Assert.False(lockout.RecordFailure(Network).LockedNow);

        Assert.False(lockout.IsLockedOut(Network, out _));
    }

    [Fact]
    public void ThresholdthFailure_LocksTheNetworkOutForTheLockoutTime_ThenReleasesIt()
    {
        var lockout = Create();
        lockout.RecordFailure(Network);
        lockout.RecordFailure(Network);

        var step = lockout.RecordFailure(Network);

        Assert.True(step.LockedNow);
        Assert.Equal(TimeSpan.FromMinutes(1), step.Lockout);
        Assert.Equal(3, step.Failures);
        Assert.True(lockout.IsLockedOut(Network, out var remaining));
        Assert.Equal(TimeSpan.FromMinutes(1), remaining);
        Assert.False(lockout.IsLockedOut(Network + 1, out _));

        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.True(lockout.IsLockedOut(Network, out remaining));
        Assert.Equal(TimeSpan.FromSeconds(1), remaining);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(lockout.IsLockedOut(Network, out _));
    }

    [Fact]
    public void FailuresDuringALockout_NeverLockAgain_SoANetworkHasAtMostOneLockoutPerLockoutPeriod()
    {
        var lockout = Create(threshold: 2);
        lockout.RecordFailure(Network);
        Assert.True(lockout.RecordFailure(Network).LockedNow);

        for (var i = 0; i < 1000; i++)
        {
            Assert.False(lockout.RecordFailure(Network).LockedNow);
            _time.Advance(TimeSpan.FromMilliseconds(59));
        }

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(lockout.IsLockedOut(Network, out _));
        Assert.False(lockout.RecordFailure(Network).LockedNow);
        Assert.True(lockout.RecordFailure(Network).LockedNow);
    }

    [Fact]
    public void RepeatedLockouts_DoubleUpToTheMaximum()
    {
        var lockout = Create(threshold: 1);
        var lengths = new List<TimeSpan>();
        for (var i = 0; i < 6; i++)
        {
            var step = lockout.RecordFailure(Network);
            Assert.True(step.LockedNow);
            lengths.Add(step.Lockout);
            _time.Advance(step.Lockout);
        }

        Assert.Equal([1, 2, 4, 8, 8, 8], lengths.Select(l => (int)l.TotalMinutes));
    }

    [Fact]
    public void QuietNetwork_StartsOverFromTheFirstLockout()
    {
        var lockout = Create(threshold: 1);
        _time.Advance(lockout.RecordFailure(Network).Lockout);
        _time.Advance(lockout.RecordFailure(Network).Lockout);

        _time.Advance(TimeSpan.FromMinutes(8));

        Assert.Equal(TimeSpan.FromMinutes(1), lockout.RecordFailure(Network).Lockout);
    }

    [Fact]
    public void FailuresOutsideTheWindow_AreForgotten()
    {
        var lockout = Create();
        lockout.RecordFailure(Network);
        lockout.RecordFailure(Network);

        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.False(lockout.RecordFailure(Network).LockedNow);
        Assert.False(lockout.RecordFailure(Network).LockedNow);
        Assert.True(lockout.RecordFailure(Network).LockedNow);
    }

    [Fact]
    public void ManyNetworks_MemoryStaysBounded_AndLockedNetworksAreKept()
    {
        var lockout = Create(threshold: 2);
        lockout.RecordFailure(Network);
        Assert.True(lockout.RecordFailure(Network).LockedNow);

        // Each of these fails once: tracked, not locked out, so they are what gets forgotten.
        for (var i = 0; i < AdminLockout.MaxTrackedNetworks + 500; i++)
        {
            lockout.RecordFailure(1_000_000 + (UInt128)i);
            if (i % 1000 == 0)
            {
                _time.Advance(TimeSpan.FromSeconds(1));
            }
        }

        Assert.True(lockout.TrackedNetworks <= AdminLockout.MaxTrackedNetworks);
        Assert.True(lockout.IsLockedOut(Network, out _));
    }
}
