using LiveVote.Server.Audit;
using LiveVote.Server.Polls;

namespace LiveVote.Server.Tests.Polls;

/// <summary><see cref="Poll.Apply"/>: the one rule of what a producer's change does to a poll.</summary>
public sealed class PollTransitionTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000);
    private static readonly Poll Draft = PollRules.Create("p1", "Who?", [("a", "A"), ("b", "B")], At);
    private static readonly Poll Open = Draft.MoveTo(PollStatus.Open, At);
    private static readonly Poll Closed = Open.MoveTo(PollStatus.Closed, At);

    [Fact]
    public void Open_Draft_OpensWithThePollOpenedKind()
    {
        var transition = Draft.Apply(PollCommandKind.Open, At.AddSeconds(1), []);

        Assert.Equal(PollStatus.Open, transition.Next!.Status);
        Assert.Equal(At.AddSeconds(1), transition.Next.OpenedAt);
        Assert.Equal(AuditKinds.PollOpened, transition.AuditKind);
    }

    [Fact]
    public void Close_FrozenOpenPoll_ClosesAndReleasesTheFreeze()
    {
        var frozen = Open.FreezeResults([3L, 4L], At);

        var transition = frozen.Apply(PollCommandKind.Close, At.AddSeconds(2), []);

        Assert.Equal(PollStatus.Closed, transition.Next!.Status);
        Assert.Null(transition.Next.Frozen);
        Assert.Equal(AuditKinds.PollClosed, transition.AuditKind);
    }

    [Theory]
    [InlineData(PollCommandKind.Open, PollStatus.Open)]
    [InlineData(PollCommandKind.Open, PollStatus.Closed)]
    [InlineData(PollCommandKind.Close, PollStatus.Draft)]
    [InlineData(PollCommandKind.Close, PollStatus.Closed)]
    [InlineData(PollCommandKind.FreezeResults, PollStatus.Draft)]
    [InlineData(PollCommandKind.FreezeResults, PollStatus.Closed)]
    [InlineData(PollCommandKind.ReleaseResults, PollStatus.Open)]
    public void Apply_ChangeNotAllowedInThatState_IsRefused(PollCommandKind change, PollStatus status)
    {
        var poll = status switch { PollStatus.Draft => Draft, PollStatus.Open => Open, _ => Closed };

        var transition = poll.Apply(change, At, [1L, 2L]);

        Assert.True(transition.IsRefused);
        Assert.Null(transition.AuditKind);
    }

    [Fact]
    public void Freeze_OpenPoll_HoldsTheLiveTotalsAndBumpsTheRevision()
    {
        var transition = Open.Apply(PollCommandKind.FreezeResults, At.AddSeconds(3), [7L, 9L]);

        Assert.Equal([7L, 9L], transition.Next!.Frozen!.Totals.ToArray());
        Assert.Equal(Open.ResultsRevision + 1, transition.Next.ResultsRevision);
        Assert.Equal(AuditKinds.ResultsFrozen, transition.AuditKind);
    }

    [Fact]
    public void Freeze_AlreadyFrozen_IsRefused() =>
        Assert.True(Open.FreezeResults([1L, 1L], At).Apply(PollCommandKind.FreezeResults, At, [2L, 2L]).IsRefused);

    [Fact]
    public void Release_Frozen_ReleasesWithTheReleasedKind()
    {
        var transition = Open.FreezeResults([1L, 1L], At).Apply(PollCommandKind.ReleaseResults, At, []);

        Assert.Null(transition.Next!.Frozen);
        Assert.Equal(AuditKinds.ResultsReleased, transition.AuditKind);
    }

    [Fact]
    public void ShowResultsToViewers_WhenHidden_ShowsWithTheShownKind()
    {
        var transition = Draft.Apply(PollCommandKind.ShowResultsToViewers, At, []);

        Assert.True(transition.Next!.ShowResultsToViewers);
        Assert.Equal(AuditKinds.ViewerResultsShown, transition.AuditKind);
    }

    [Fact]
    public void HideResultsFromViewers_WhenShown_HidesWithTheHiddenKind()
    {
        var transition = Draft.WithViewerResults(true).Apply(PollCommandKind.HideResultsFromViewers, At, []);

        Assert.False(transition.Next!.ShowResultsToViewers);
        Assert.Equal(AuditKinds.ViewerResultsHidden, transition.AuditKind);
    }

    [Theory]
    [InlineData(PollCommandKind.ShowResultsToViewers, true)]
    [InlineData(PollCommandKind.HideResultsFromViewers, false)]
    public void ViewerResultsSetting_AlreadySo_IsUnchangedAndNotAudited(PollCommandKind change, bool shown)
    {
        var poll = Closed.WithViewerResults(shown);

        var transition = poll.Apply(change, At, []);

        Assert.True(transition.IsUnchanged);
        Assert.Same(poll, transition.Next);
    }

    [Fact]
    public void Create_IsNotAChangeOfAnExistingPoll() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Draft.Apply(PollCommandKind.Create, At, []));
}
