using LiveVote.Server.Polls;
using LiveVote.Server.Results;
using LiveVote.Server.Storage;

namespace LiveVote.Server.Tests.Results;

/// <summary>
/// The hub on its own, no publisher loop: the test plays the publisher by calling <see cref="ResultsHub.PublishPending"/>
/// where the loop would, so every step is synchronous and nothing waits on a clock.
/// </summary>
public sealed class ResultsHubTests : IDisposable
{
    private const string PollId = "p-1";
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 20, 0, 0, TimeSpan.Zero);
    private static readonly Poll Open = OpenPoll(PollId);

    private readonly ResultsHub _hub = new();

    public void Dispose() => _hub.Dispose();

    [Fact]
    public void Report_FirstStateOfAPoll_IsPublishedAtOnce_WithoutWaitingForThePublisher()
    {
        Assert.False(_hub.TryGetSnapshot(PollId, out _));

        _hub.Report(Open, [3, 1], 7, T0);

        var snapshot = Published(_hub);
        Assert.Equal(PollId, snapshot.Dto.PollId);
        Assert.Equal("open", snapshot.Dto.Status);
        Assert.Equal(3, snapshot.Dto.Totals["a"]);
        Assert.Equal(1, snapshot.Dto.Totals["b"]);
        Assert.Equal(4, snapshot.Dto.Total);
        Assert.Equal(7, snapshot.Dto.Version);
        Assert.Equal(T0, snapshot.Dto.AsOf);
        Assert.False(snapshot.Dto.Frozen);
        Assert.Equal(0, _hub.PublishPending());
    }

    [Fact]
    public void Report_LaterChanges_WaitForThePublisher_ThenGoOutAsOneSnapshotWithTheNewestTotals()
    {
        _hub.Report(Open, [1, 0], 1, T0);
        var first = Published(_hub);

        _hub.Report(Open, [2, 0], 2, T0.AddMilliseconds(10));
        _hub.Report(Open, [2, 1], 3, T0.AddMilliseconds(20));
        _hub.Report(Open, [2, 2], 4, T0.AddMilliseconds(30));

        Assert.Same(first, Published(_hub));
        Assert.Equal(1, _hub.PublishPending());
        var coalesced = Published(_hub);
        Assert.Equal(4, coalesced.Dto.Version);
        Assert.Equal(2, coalesced.Dto.Totals["b"]);
        Assert.Equal(T0.AddMilliseconds(30), coalesced.Dto.AsOf);
        Assert.Equal(0, _hub.PublishPending());
    }

    [Fact]
    public async Task Report_BurstAcrossPolls_WakesThePublisherOnce_AndOnePassPublishesEveryPoll()
    {
        var other = OpenPoll("p-2");
        _hub.Report(Open, [0, 0], 1, T0);
        _hub.Report(other, [0, 0], 2, T0);

        _hub.Report(Open, [1, 0], 3, T0);
        _hub.Report(other, [0, 1], 4, T0);
        _hub.Report(Open, [2, 0], 5, T0);

        await _hub.WaitForChangeAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        using var cancel = new CancellationTokenSource();
        var secondWake = _hub.WaitForChangeAsync(cancel.Token);
        Assert.False(secondWake.IsCompleted, "one burst of reports must wake the publisher once");
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => secondWake);

        Assert.Equal(2, _hub.PublishPending());
        Assert.Equal(5, Published(_hub).Dto.Version);
        Assert.Equal(4, Published(_hub, "p-2").Dto.Version);
    }

    [Fact]
    public void Subscribe_AfterAPublish_GetsTheCurrentSnapshotAtOnce()
    {
        _hub.Report(Open, [3, 1], 7, T0);

        using var subscription = _hub.Subscribe(PollId);

        Assert.True(subscription.TryRead(out var onConnect));
        Assert.Same(Published(_hub), onConnect);
    }

    [Fact]
    public void Subscribe_BeforeTheFirstReport_ReadsAsNoSuchPoll_ThenGetsTheFirstSnapshot()
    {
        using var subscription = _hub.Subscribe(PollId);

        Assert.False(_hub.TryGetSnapshot(PollId, out _));
        Assert.False(subscription.TryRead(out _));

        _hub.Report(Open, [1, 0], 1, T0);

        Assert.True(subscription.TryRead(out var first));
        Assert.Equal(1, first.Dto.Version);
    }

    [Fact]
    public void Subscription_SlowReader_SkipsToTheNewestSnapshot_InsteadOfBuildingABacklog()
    {
        _hub.Report(Open, [1, 0], 1, T0);
        using var subscription = _hub.Subscribe(PollId);
        for (var version = 2; version <= 5; version++)
        {
            _hub.Report(Open, [version, 0], version, T0);
            _hub.PublishPending();
        }

        Assert.True(subscription.TryRead(out var newest));
        Assert.Equal(5, newest.Dto.Version);
        Assert.False(subscription.TryRead(out _));
    }

    [Fact]
    public void Publish_ReachesEverySubscriberOfThatPoll_AndNoOneWhoLeftOrWatchesAnotherPoll()
    {
        var other = OpenPoll("p-2");
        _hub.Report(Open, [0, 0], 1, T0);
        _hub.Report(other, [0, 0], 1, T0);
        using var staying = _hub.Subscribe(PollId);
        var leaving = _hub.Subscribe(PollId);
        using var elsewhere = _hub.Subscribe("p-2");
        Drain(staying, leaving, elsewhere);
        Assert.Equal(3, _hub.SubscriberCount);

        leaving.Dispose();
        _hub.Report(Open, [1, 0], 2, T0);
        _hub.PublishPending();

        Assert.Equal(2, _hub.SubscriberCount);
        Assert.True(staying.TryRead(out var received));
        Assert.Equal(2, received.Dto.Version);
        Assert.False(leaving.TryRead(out _));
        Assert.False(elsewhere.TryRead(out _));
    }

    [Fact]
    public void Freeze_PublishesTheFrozenTotalsAndTime_NotTheLiveCountOfTheReport()
    {
        _hub.Report(Open, [3, 1], 5, T0);
        var frozenAt = T0.AddSeconds(30);
        var frozen = Open.FreezeResults([3, 1], frozenAt);

        // Votes committed between taking the freeze's totals and reporting it are in the live count, not on air.
        _hub.Report(frozen, [4, 1], 6, frozenAt.AddSeconds(1));
        Assert.Equal(1, _hub.PublishPending());

        var snapshot = Published(_hub);
        Assert.True(snapshot.Dto.Frozen);
        Assert.Equal(3, snapshot.Dto.Totals["a"]);
        Assert.Equal(4, snapshot.Dto.Total);
        Assert.Equal(frozenAt, snapshot.Dto.AsOf);
        Assert.Equal(6, snapshot.Dto.Version);
    }

    [Fact]
    public void WhileFrozen_VotesUpdateTheLiveView_ButThePublicSnapshotStaysTheSame_AndSubscribersGetNothing()
    {
        var frozen = Open.FreezeResults([3, 1], T0);
        _hub.Report(frozen, [3, 1], 6, T0);
        using var subscription = _hub.Subscribe(PollId);
        Drain(subscription);
        var onAir = Published(_hub);

        _hub.Report(frozen, [9, 1], 12, T0.AddSeconds(5));
        _hub.Report(frozen, [9, 8], 19, T0.AddSeconds(6));

        Assert.Equal(0, _hub.PublishPending());
        Assert.Same(onAir, Published(_hub));
        Assert.False(subscription.TryRead(out _));
        Assert.True(_hub.TryGetLive(PollId, out var live));
        Assert.False(live.Dto.Frozen);
        Assert.Equal(17, live.Dto.Total);
        Assert.Equal(19, live.Dto.Version);
        Assert.True(_hub.TryGetLiveTotals(PollId, out var liveTotals));
        Assert.Equal([9L, 8L], liveTotals);
    }

    [Fact]
    public void Release_PublishesTheLiveCountAgain_WithAHigherVersionThanTheFreeze()
    {
        var frozen = Open.FreezeResults([3, 1], T0);
        _hub.Report(frozen, [3, 1], 6, T0);
        var onAir = Published(_hub);
        _hub.Report(frozen, [9, 8], 19, T0.AddSeconds(5));
        using var subscription = _hub.Subscribe(PollId);
        Drain(subscription);

        _hub.Report(frozen.ReleaseResults(), [9, 8], 20, T0.AddSeconds(9));
        Assert.Equal(1, _hub.PublishPending());

        Assert.True(subscription.TryRead(out var released));
        Assert.False(released.Dto.Frozen);
        Assert.Equal(17, released.Dto.Total);
        Assert.True(released.Dto.Version > onAir.Dto.Version);
        Assert.Same(released, Published(_hub));
    }

    [Fact]
    public void Refreeze_SeenWithoutTheReleaseInBetween_PublishesTheNewFreeze()
    {
        // With a shared store a node may miss the release between two refreshes; the new freeze has its own revision.
        var firstFreeze = Open.FreezeResults([3, 1], T0);
        _hub.Report(firstFreeze, [3, 1], 6, T0);
        var secondFreeze = firstFreeze.ReleaseResults().FreezeResults([7, 7], T0.AddMinutes(1));

        _hub.Report(secondFreeze, [7, 7], 14, T0.AddMinutes(1));
        Assert.Equal(1, _hub.PublishPending());

        var snapshot = Published(_hub);
        Assert.True(snapshot.Dto.Frozen);
        Assert.Equal(14, snapshot.Dto.Total);
        Assert.Equal(T0.AddMinutes(1), snapshot.Dto.AsOf);
    }

    [Fact]
    public void Close_OfAFrozenPoll_PublishesTheFinalCountAsCounted()
    {
        var frozen = Open.FreezeResults([3, 1], T0);
        _hub.Report(frozen, [3, 1], 6, T0);
        _hub.Report(frozen, [9, 8], 19, T0.AddSeconds(5));

        _hub.Report(frozen.MoveTo(PollStatus.Closed, T0.AddSeconds(9)), [9, 8], 20, T0.AddSeconds(9));
        Assert.Equal(1, _hub.PublishPending());

        var final = Published(_hub);
        Assert.False(final.Dto.Frozen);
        Assert.Equal("closed", final.Dto.Status);
        Assert.Equal(17, final.Dto.Total);
    }

    [Fact]
    public void Nodes_SeeingAFreezeAtDifferentLiveCounts_PublishTheSameBytesAndVersion()
    {
        // Node A saw the poll before the freeze; node B starts (or refreshes) only after more votes came in.
        using var nodeA = new ResultsHub();
        using var nodeB = new ResultsHub();
        var frozen = Open.FreezeResults([2, 0], T0.AddSeconds(30));
        nodeA.Report(Open, [2, 0], SharedStateRefresher.SharedVersion(Open, 2), T0);

        nodeA.Report(frozen, [2, 0], SharedStateRefresher.SharedVersion(frozen, 2), T0.AddSeconds(31));
        nodeA.PublishPending();
        nodeB.Report(frozen, [5, 3], SharedStateRefresher.SharedVersion(frozen, 8), T0.AddSeconds(47));

        var onA = Published(nodeA);
        var onB = Published(nodeB);
        Assert.True(onA.Dto.Frozen);
        Assert.Equal(onA.ETag, onB.ETag);
        Assert.Equal(onA.Json, onB.Json);
    }

    [Fact]
    public void PublishLag_IsTheAgeOfWhatViewersSee_WhileNewerTotalsWait_AndZeroOnceTheyAreOut()
    {
        _hub.Report(Open, [1, 0], 1, T0);
        Assert.Equal(TimeSpan.Zero, _hub.PublishLag(T0.AddSeconds(3)));

        _hub.Report(Open, [2, 0], 2, T0.AddSeconds(2));
        Assert.Equal(TimeSpan.FromSeconds(3), _hub.PublishLag(T0.AddSeconds(3)));

        _hub.PublishPending();
        Assert.Equal(TimeSpan.Zero, _hub.PublishLag(T0.AddSeconds(3)));
    }

    [Fact]
    public void PublishLag_IgnoresTheAgeOfAFrozenSnapshot_EvenWhenItsReleaseWaits()
    {
        var frozen = Open.FreezeResults([1, 0], T0);
        _hub.Report(frozen, [1, 0], 1, T0);

        _hub.Report(frozen.ReleaseResults(), [5, 0], 5, T0.AddMinutes(10));

        Assert.Equal(TimeSpan.Zero, _hub.PublishLag(T0.AddMinutes(10)));
    }

    [Fact]
    public void TryGetLiveTotals_ReturnsACopy_ThatCannotChangeTheHub()
    {
        Assert.False(_hub.TryGetLiveTotals(PollId, out var none));
        Assert.Empty(none);
        _hub.Report(Open, [3, 1], 7, T0);

        Assert.True(_hub.TryGetLiveTotals(PollId, out var totals));
        totals[0] = 1000;

        Assert.True(_hub.TryGetLiveTotals(PollId, out var again));
        Assert.Equal([3L, 1L], again);
    }

    private static Poll OpenPoll(string id) =>
        new Poll(id, "Who?", [new PollOption("a", "A"), new PollOption("b", "B")], PollStatus.Draft, T0, null, null)
            .MoveTo(PollStatus.Open, T0);

    private static ResultsSnapshot Published(ResultsHub hub, string pollId = PollId)
    {
        Assert.True(hub.TryGetSnapshot(pollId, out var snapshot), $"no published snapshot of {pollId}");
        return snapshot;
    }

    private static void Drain(params ResultsHub.Subscription[] subscriptions)
    {
        foreach (var subscription in subscriptions)
        {
            while (subscription.TryRead(out _))
            {
            }
        }
    }
}
