using LiveVote.Server.Polls;

namespace LiveVote.Server.Tests.Polls;

public sealed class PollTests
{
    private static readonly DateTimeOffset Created = new(2026, 5, 1, 20, 0, 0, TimeSpan.Zero);

    private static Poll Poll(PollStatus status) =>
        new("p-1", "Final", PollRules.Options(("a", "A"), ("b", "B")), status, Created, null, null);

    [Theory]
    [InlineData(PollStatus.Draft, PollStatus.Open, true)]
    [InlineData(PollStatus.Open, PollStatus.Closed, true)]
    [InlineData(PollStatus.Draft, PollStatus.Draft, false)]
    [InlineData(PollStatus.Draft, PollStatus.Closed, false)]
    [InlineData(PollStatus.Open, PollStatus.Draft, false)]
    [InlineData(PollStatus.Open, PollStatus.Open, false)]
    [InlineData(PollStatus.Closed, PollStatus.Draft, false)]
    [InlineData(PollStatus.Closed, PollStatus.Open, false)]
    [InlineData(PollStatus.Closed, PollStatus.Closed, false)]
    public void CanMoveTo_OnlyDraftToOpenToClosed(PollStatus from, PollStatus to, bool allowed) =>
        Assert.Equal(allowed, Poll(from).CanMoveTo(to));

    [Fact]
    public void MoveTo_StampsOpenedAndClosedTimes_AndLeavesTheOriginalUnchanged()
    {
        var draft = Poll(PollStatus.Draft);
        var openedAt = Created.AddMinutes(1);
        var closedAt = Created.AddMinutes(5);

        var open = draft.MoveTo(PollStatus.Open, openedAt);
        var closed = open.MoveTo(PollStatus.Closed, closedAt);

        Assert.Equal(PollStatus.Draft, draft.Status);
        Assert.Equal((PollStatus.Open, openedAt, (DateTimeOffset?)null), (open.Status, open.OpenedAt, open.ClosedAt));
        Assert.Equal((PollStatus.Closed, openedAt, closedAt), (closed.Status, closed.OpenedAt, closed.ClosedAt));
    }

    [Fact]
    public void MoveTo_ForbiddenChange_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => Poll(PollStatus.Closed).MoveTo(PollStatus.Open, Created));
        Assert.Throws<InvalidOperationException>(() => Poll(PollStatus.Draft).MoveTo(PollStatus.Closed, Created));
    }

    [Fact]
    public void IndexOfOption_IsExactAndOrdinal()
    {
        var poll = Poll(PollStatus.Open);

        Assert.Equal(0, poll.IndexOfOption("a"));
        Assert.Equal(1, poll.IndexOfOption("b"));
        Assert.Equal(-1, poll.IndexOfOption("A"));
        Assert.Equal(-1, poll.IndexOfOption("c"));
        Assert.Equal(-1, poll.IndexOfOption(""));
    }

    [Theory]
    [InlineData(PollStatus.Draft, "draft")]
    [InlineData(PollStatus.Open, "open")]
    [InlineData(PollStatus.Closed, "closed")]
    public void StatusName_RoundTripsThroughTryParseStatus(PollStatus status, string name)
    {
        Assert.Equal(name, Server.Polls.Poll.StatusName(status));
        Assert.True(Server.Polls.Poll.TryParseStatus(name, out var parsed));
        Assert.Equal(status, parsed);
    }

    [Fact]
    public void TryParseStatus_UnknownName_IsFalse() => Assert.False(Server.Polls.Poll.TryParseStatus("Open", out _));
}
