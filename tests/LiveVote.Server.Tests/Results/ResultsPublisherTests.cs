using System.Threading.Channels;
using LiveVote.Server.Polls;
using LiveVote.Server.Results;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LiveVote.Server.Tests.Results;

/// <summary>
/// The publisher loop on a fake clock: time moves only when a test advances it, and a test advances it only once the
/// loop is known to be waiting out its interval (<see cref="WatchedClock"/>), so no step depends on thread timing.
/// </summary>
public sealed class ResultsPublisherTests : IAsyncLifetime
{
    private const string PollId = "p-1";

    // Not the default (250 ms): the loop must wait the configured interval.
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(400);

    // A guard against a hung test only: nothing is asserted about how long anything took.
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);

    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 20, 0, 0, TimeSpan.Zero);
    private static readonly Poll Open = OpenPoll(PollId);

    private readonly WatchedClock _clock = new(T0);
    private readonly ResultsHub _hub = new();
    private readonly ResultsPublisher _publisher;

    public ResultsPublisherTests() =>
        _publisher = new ResultsPublisher(_hub, Options.Create(new ResultsOptions { PublishIntervalMs = (int)Interval.TotalMilliseconds }), _clock);

    public Task InitializeAsync() => _publisher.StartAsync(CancellationToken.None);

    public async Task DisposeAsync()
    {
        await _publisher.StopAsync(CancellationToken.None);
        _publisher.Dispose();
        _hub.Dispose();
    }

    [Fact]
    public async Task Change_WhileThePublisherIsIdle_GoesOutAtOnce_AndAgainAfterAQuietInterval()
    {
        _hub.Report(Open, [1, 0], 1, T0);
        using var subscription = _hub.Subscribe(PollId);
        Assert.Equal(1, (await NextAsync(subscription)).Dto.Version);

        _hub.Report(Open, [2, 0], 2, T0);
        Assert.Equal(2, (await NextAsync(subscription)).Dto.Version);

        await _clock.WaitForTimerAsync();
        _clock.Advance(Interval);
        _hub.Report(Open, [3, 0], 3, _clock.GetUtcNow());

        Assert.Equal(3, (await NextAsync(subscription)).Dto.Version);
    }

    [Fact]
    public async Task ReportsWithinTheInterval_WaitForItsEnd_ThenGoOutAsOneSnapshotWithTheNewestTotals()
    {
        _hub.Report(Open, [1, 0], 1, T0);
        using var subscription = _hub.Subscribe(PollId);
        await NextAsync(subscription);
        _hub.Report(Open, [2, 0], 2, T0);
        var published = await NextAsync(subscription);
        await _clock.WaitForTimerAsync();

        _hub.Report(Open, [3, 0], 3, T0.AddMilliseconds(100));
        _hub.Report(Open, [3, 4], 4, T0.AddMilliseconds(200));
        _clock.Advance(Interval - TimeSpan.FromMilliseconds(1));

        Assert.False(subscription.TryRead(out var early), $"published before the interval ended: {early}");
        Assert.True(_hub.TryGetSnapshot(PollId, out var current));
        Assert.Same(published, current);

        _clock.Advance(TimeSpan.FromMilliseconds(1));

        var coalesced = await NextAsync(subscription);
        Assert.Equal(4, coalesced.Dto.Version);
        Assert.Equal(3, coalesced.Dto.Totals["a"]);
        Assert.Equal(4, coalesced.Dto.Totals["b"]);
    }

    [Fact]
    public async Task NewPoll_OpenedWhileThePublisherWaitsOutItsInterval_IsPublishedAtOnce()
    {
        _hub.Report(Open, [1, 0], 1, T0);
        using var subscription = _hub.Subscribe(PollId);
        await NextAsync(subscription);
        _hub.Report(Open, [2, 0], 2, T0);
        await NextAsync(subscription);
        await _clock.WaitForTimerAsync();

        _hub.Report(OpenPoll("p-2"), [0, 0], 3, T0);

        Assert.True(_hub.TryGetSnapshot("p-2", out var opened));
        Assert.Equal(3, opened.Dto.Version);
    }

    private static async Task<ResultsSnapshot> NextAsync(ResultsHub.Subscription subscription)
    {
        using var guard = new CancellationTokenSource(Guard);
        return await subscription.ReadAsync(guard.Token);
    }

    private static Poll OpenPoll(string id) =>
        new Poll(id, "Who?", [new PollOption("a", "A"), new PollOption("b", "B")], PollStatus.Draft, T0, null, null)
            .MoveTo(PollStatus.Open, T0);

    /// <summary>
    /// A fake clock that tells the test when a timer is set on it: the publisher sets one only to wait out its interval
    /// after a publish, so once it is set, advancing the clock is sure to reach it.
    /// </summary>
    private sealed class WatchedClock(DateTimeOffset start) : FakeTimeProvider(start)
    {
        private readonly Channel<TimeSpan> _timersSet = Channel.CreateUnbounded<TimeSpan>();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            _timersSet.Writer.TryWrite(dueTime);
            return timer;
        }

        public async Task WaitForTimerAsync()
        {
            using var guard = new CancellationTokenSource(Guard);
            await _timersSet.Reader.ReadAsync(guard.Token);
        }
    }
}
