using LiveVote.Server.Security.Risk;
using Microsoft.Extensions.Time.Testing;

namespace LiveVote.Server.Tests.Security.Risk;

public sealed class SlidingWindowCounterTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 20, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Add_ReturnsTheWindowTotalPerKey()
    {
        var counter = new SlidingWindowCounter(1024, TimeSpan.FromSeconds(60), _time);

        Assert.Equal(1, counter.Add(7));
        Assert.Equal(2, counter.Add(7));
        Assert.Equal(5, counter.Add(7, 3));
        Assert.Equal(1, counter.Add(8));
        Assert.Equal(5, counter.Count(7));
        Assert.Equal(0, counter.Count(9));
    }

    [Fact]
    public void AddAt_CountsAtTheGivenMoment_AsAddDoesAtTheClocksMoment()
    {
        // The risk score reads the clock once per vote and passes that moment to its six counters.
        var counter = new SlidingWindowCounter(1024, TimeSpan.FromSeconds(60), _time);
        var start = _time.GetUtcNow();

        Assert.Equal(1, counter.AddAt(7, start));
        Assert.Equal(2, counter.Add(7));
        Assert.Equal(3, counter.AddAt(7, start.AddSeconds(59)));
        Assert.Equal(3, counter.CountAt(7, start.AddSeconds(59)));
        Assert.Equal(1, counter.CountAt(7, start.AddSeconds(61)));
        Assert.Equal(0, counter.CountAt(8, start));
    }

    [Fact]
    public void Counts_LeaveTheWindowAsTimePasses()
    {
        var counter = new SlidingWindowCounter(1024, TimeSpan.FromSeconds(60), _time);
        counter.Add(7, 10);
        _time.Advance(TimeSpan.FromSeconds(30));
        counter.Add(7, 5);

        _time.Advance(TimeSpan.FromSeconds(35));
        Assert.Equal(5, counter.Count(7));

        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(0, counter.Count(7));
        Assert.Equal(1, counter.Add(7));
    }

    [Fact]
    public void ManyMoreKeysThanSlots_MemoryIsFixed_AndAHotKeyKeepsItsCount()
    {
        var counter = new SlidingWindowCounter(1024, TimeSpan.FromSeconds(60), _time);
        const ulong hot = 0xDEAD_BEEF_0000_0001;
        for (var i = 0; i < 100_000; i++)
        {
            counter.Add(hot);
            counter.Add(KeyHasher.Hash(BitConverter.GetBytes(i), 99));
            if (i % 10_000 == 0)
            {
                _time.Advance(TimeSpan.FromMilliseconds(100));
            }
        }

        Assert.Equal(1024, counter.Slots);

        // One-off keys evict each other: the flood's key always has the largest count of its set.
        Assert.Equal(100_000, counter.Count(hot));
    }

    [Fact]
    public async Task ConcurrentAdds_AreAllCounted()
    {
        var counter = new SlidingWindowCounter(4096, TimeSpan.FromSeconds(60), _time);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                counter.Add(1);
                counter.Add((ulong)i << 32);
            }
        })));

        Assert.Equal(80_000, counter.Count(1));
    }
}
