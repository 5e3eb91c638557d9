using LiveVote.Server.Polls;
using LiveVote.Server.Results;

namespace LiveVote.Server.Tests.Results;

/// <summary>
/// <see cref="ResultsHub.MarkFinal"/>: a closed poll's published results turn final at once (to subscribers too, with an
/// ETag of their own), stay final in every later snapshot, and an open poll's results are never final.
/// </summary>
public sealed class ResultsHubFinalTests : IDisposable
{
    private const string PollId = "p-1";
    private static readonly DateTimeOffset T0 = new(2026, 12, 5, 20, 0, 0, TimeSpan.Zero);
    private static readonly Poll Open = new Poll(PollId, "Who?", [new PollOption("a", "A"), new PollOption("b", "B")], PollStatus.Draft, T0, null, null)
        .MoveTo(PollStatus.Open, T0);

    private readonly ResultsHub _hub = new();

    public void Dispose() => _hub.Dispose();

    [Fact]
    public void MarkFinal_OfAClosedPoll_RepublishesItsSnapshotFinalAtOnce_ToSubscribersToo()
    {
        _hub.Report(Open, [2, 1], 5, T0);
        _hub.Report(Open.MoveTo(PollStatus.Closed, T0.AddSeconds(1)), [2, 1], 6, T0.AddSeconds(1));
        _hub.PublishPending();
        using var subscription = _hub.Subscribe(PollId);
        Assert.True(subscription.TryRead(out var before));
        Assert.False(before.Dto.Final);

        _hub.MarkFinal(PollId);

        Assert.True(subscription.TryRead(out var after));
        Assert.True(after.Dto.Final);
        Assert.Equal(3, after.Dto.Total);
        Assert.Equal(before.Dto.Version, after.Dto.Version);
        Assert.NotEqual(before.ETag, after.ETag);
        Assert.Contains("\"final\":true", after.ToString(), StringComparison.Ordinal);
        Assert.True(_hub.TryGetSnapshot(PollId, out var published) && published.Dto.Final);
    }

    [Fact]
    public void MarkFinal_BeforeTheClosedSnapshotIsPublished_MakesItFinalWhenItIs()
    {
        _hub.Report(Open, [1, 0], 2, T0);
        _hub.Report(Open.MoveTo(PollStatus.Closed, T0.AddSeconds(1)), [1, 0], 3, T0.AddSeconds(1));

        _hub.MarkFinal(PollId);

        Assert.True(_hub.TryGetSnapshot(PollId, out var stillOpen));
        Assert.False(stillOpen.Dto.Final);
        Assert.Equal("open", stillOpen.Dto.Status);
        _hub.PublishPending();
        Assert.True(_hub.TryGetSnapshot(PollId, out var closed));
        Assert.Equal("closed", closed.Dto.Status);
        Assert.True(closed.Dto.Final);
        Assert.True(_hub.TryGetLive(PollId, out var live) && live.Dto.Final);
    }

    [Fact]
    public void Results_OfAnOpenPoll_AreNotFinal()
    {
        _hub.Report(Open, [1, 1], 2, T0);

        Assert.True(_hub.TryGetSnapshot(PollId, out var snapshot));
        Assert.False(snapshot.Dto.Final);
        Assert.DoesNotContain("-final", snapshot.ETag, StringComparison.Ordinal);
    }
}
