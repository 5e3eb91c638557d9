using LiveVote.Server.Security.Captcha;
using LiveVote.Server.Tests.Ingest;
using Microsoft.Extensions.Logging.Abstractions;

namespace LiveVote.Server.Tests.Security.Captcha;

/// <summary>
/// When the purge runs and what it deletes, on a fake clock: once per interval, rows expired longer than the grace
/// period, and a failed purge is tried again at the next interval. No real waiting: the test moves the clock.
/// </summary>
public sealed class UsedChallengePurgeTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TimerSignallingTimeProvider _clock = new();
    private readonly FakeUsedChallengeTable _table = new();
    private readonly UsedChallengePurge _purge;
    private readonly DateTimeOffset _start;

    public UsedChallengePurgeTests()
    {
        _start = _clock.GetUtcNow();
        _purge = new UsedChallengePurge(_table, _clock, NullLogger<UsedChallengePurge>.Instance);
    }

    public async Task InitializeAsync()
    {
        _clock.ExpectTimer();
        await _purge.StartAsync(CancellationToken.None);
        await _clock.TimerCreated.WaitAsync(Patience);
    }

    public async Task DisposeAsync()
    {
        await _purge.StopAsync(CancellationToken.None);
        _purge.Dispose();
    }

    [Fact]
    public async Task Purge_RunsOncePerInterval_WithTheCutoffOneGracePeriodBeforeNow()
    {
        // Short of the interval no tick is due, and the loop purges only on a tick: none can start from this advance.
        _clock.Advance(UsedChallengePurge.Interval - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, _table.PurgeCount);

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(_start + UsedChallengePurge.Interval - UsedChallengePurge.Grace, await _table.NextPurgeAsync());

        _clock.Advance(UsedChallengePurge.Interval);
        Assert.Equal(_start + (2 * UsedChallengePurge.Interval) - UsedChallengePurge.Grace, await _table.NextPurgeAsync());
    }

    [Fact]
    public async Task Purge_DeletesOnlyWhatExpiredMoreThanTheGracePeriodAgo()
    {
        var now = _start + UsedChallengePurge.Interval;
        await _table.InsertNewAsync(
        [
            Used('a', now - UsedChallengePurge.Grace - TimeSpan.FromSeconds(1)),
            Used('b', now - UsedChallengePurge.Grace + TimeSpan.FromSeconds(1)),
            Used('c', now + TimeSpan.FromMinutes(4)),
        ], CancellationToken.None);

        _clock.Advance(UsedChallengePurge.Interval);
        await _table.NextPurgeAsync();

        Assert.Equal(2, _table.Count);
        Assert.Equal(new[] { false, true, false }, await _table.InsertNewAsync([Used('b', now), Used('a', now), Used('c', now)], CancellationToken.None));
    }

    [Fact]
    public async Task Purge_ThatFails_IsTriedAgainAtTheNextInterval()
    {
        await _table.InsertNewAsync([Used('a', _start)], CancellationToken.None);
        _table.FailNext();

        _clock.Advance(UsedChallengePurge.Interval);
        await _table.NextPurgeAsync();
        Assert.Equal(1, _table.Count);

        _clock.Advance(UsedChallengePurge.Interval);
        await _table.NextPurgeAsync();
        Assert.Equal(0, _table.Count);
    }

    private static UsedChallenge Used(char c, DateTimeOffset expires) =>
        new(Convert.FromHexString(new string(c, 64)), expires.ToUnixTimeMilliseconds());
}
