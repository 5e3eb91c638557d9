using LiveVote.Server.Security.Captcha;
using Microsoft.Extensions.Logging.Abstractions;

namespace LiveVote.Server.Tests.Security.Captcha;

/// <summary>
/// The batching in front of the used-challenge table: first use counts once (also when one solution arrives twice in a
/// batch), marks queued meanwhile share one transaction, and anything the table cannot answer is refused, never counted.
/// </summary>
public sealed class StoredUsedChallengesTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly DateTimeOffset Expires = DateTimeOffset.UnixEpoch.AddYears(60);
    private readonly FakeUsedChallengeTable _table = new();
    private readonly StoredUsedChallenges _used;

    public StoredUsedChallengesTests() => _used = new StoredUsedChallenges(_table, NullLogger<StoredUsedChallenges>.Instance);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _used.DisposeAsync();

    [Fact]
    public async Task Mark_FirstUseIsMarked_AndEveryLaterUseIsAlreadyUsed()
    {
        Assert.Equal(UsedChallengeMark.Marked, await MarkAsync('a'));
        Assert.Equal(UsedChallengeMark.AlreadyUsed, await MarkAsync('a'));
        Assert.Equal(UsedChallengeMark.AlreadyUsed, await MarkAsync('a'));
        Assert.Equal(UsedChallengeMark.Marked, await MarkAsync('b'));
        Assert.Equal(2, _table.Count);
    }

    [Fact]
    public async Task MarksQueuedBehindABatch_AreWrittenTogether_AndTheSameChallengeTwiceCountsOnce()
    {
        _table.Hold();
        var first = MarkAsync('a');
        await _table.BatchStarted.WaitAsync(Patience);

        // While the table holds the first batch, these queue: one solution sent twice, and another one.
        var queued = new[] { MarkAsync('b'), MarkAsync('c'), MarkAsync('b') };
        _table.Release();
        var outcomes = await Task.WhenAll(queued).WaitAsync(Patience);

        Assert.Equal(UsedChallengeMark.Marked, await first);
        Assert.Equal([UsedChallengeMark.Marked, UsedChallengeMark.Marked, UsedChallengeMark.AlreadyUsed], outcomes);
        Assert.Equal([[Challenge('a')], [Challenge('b'), Challenge('c')]], _table.Batches.ToArray());
    }

    [Fact]
    public async Task Mark_WhenTheTableFails_IsUnavailable_AndTheChallengeIsNotBurnt()
    {
        _table.FailNext();

        Assert.Equal(UsedChallengeMark.Unavailable, await MarkAsync('a'));
        Assert.Equal(UsedChallengeMark.Marked, await MarkAsync('a'));
        Assert.Equal(UsedChallengeMark.AlreadyUsed, await MarkAsync('a'));
    }

    [Fact]
    public async Task Mark_WhenTheQueueIsFull_IsUnavailableAtOnce()
    {
        _table.Hold();
        var held = MarkAsync('a');
        await _table.BatchStarted.WaitAsync(Patience);
        var queued = Enumerable.Range(0, StoredUsedChallenges.MaxQueued)
            .Select(i => _used.TryMarkUsedAsync(i.ToString("x64", System.Globalization.CultureInfo.InvariantCulture), Expires, CancellationToken.None).AsTask())
            .ToList();

        var overflow = MarkAsync('f');

        Assert.True(overflow.IsCompleted, "a full queue answers at once");
        Assert.Equal(UsedChallengeMark.Unavailable, await overflow);
        Assert.DoesNotContain(queued, mark => mark.IsCompleted);
        _table.Release();
        Assert.Equal(UsedChallengeMark.Marked, await held);
        Assert.All(await Task.WhenAll(queued).WaitAsync(Patience), mark => Assert.Equal(UsedChallengeMark.Marked, mark));
        Assert.All(_table.Batches, batch => Assert.InRange(batch.Length, 1, StoredUsedChallenges.MaxBatch));
    }

    [Fact]
    public async Task Dispose_RefusesTheMarksStillWaiting_AndEveryLaterMark()
    {
        _table.Hold();
        var held = MarkAsync('a');
        await _table.BatchStarted.WaitAsync(Patience);
        var queued = MarkAsync('b');

        await _used.DisposeAsync().AsTask().WaitAsync(Patience);

        Assert.Equal(UsedChallengeMark.Unavailable, await held);
        Assert.Equal(UsedChallengeMark.Unavailable, await queued);
        Assert.Equal(UsedChallengeMark.Unavailable, await MarkAsync('c'));
    }

    private static string Challenge(char c) => new(c, 64);

    private Task<UsedChallengeMark> MarkAsync(char c) => _used.TryMarkUsedAsync(Challenge(c), Expires, CancellationToken.None).AsTask();
}
