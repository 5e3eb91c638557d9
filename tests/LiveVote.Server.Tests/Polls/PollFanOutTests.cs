using LiveVote.Server.Polls;

namespace LiveVote.Server.Tests.Polls;

/// <summary>
/// What a partition that missed a fanned-out change is sent to catch up, and when a repeated change counts as done:
/// the rules <see cref="PollFanOut"/> applies, without queues or stores.
/// </summary>
public sealed class PollFanOutTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 5, 20, 0, 0, TimeSpan.Zero);
    private static readonly Poll Draft = new("p-1", "Who?", [new PollOption("a", "A"), new PollOption("b", "B")], PollStatus.Draft, At, null, null) { PartitionCount = 2 };
    private static readonly Poll Open = Draft.MoveTo(PollStatus.Open, At.AddSeconds(1));
    private static readonly Poll Frozen = Open.FreezeResults([3, 4], At.AddSeconds(2));
    private static readonly Poll Closed = Open.MoveTo(PollStatus.Closed, At.AddSeconds(3));

    [Fact]
    public void NextStep_ForAPartitionWithoutThePoll_CreatesItAsADraftWithTheSameDefinition()
    {
        var step = PollFanOut.NextStep(null, Closed, At.AddMinutes(1));

        Assert.NotNull(step);
        Assert.Equal(PollCommandKind.Create, step.Kind);
        Assert.Equal(PollStatus.Draft, step.Definition!.Status);
        Assert.Equal(Closed.Options, step.Definition.Options);
        Assert.Equal(2, step.Definition.PartitionCount);
        Assert.Equal(At, step.Definition.CreatedAt);
    }

    [Fact]
    public void NextStep_FromDraftTowardsClosed_OpensFirstWithTheOpeningTime()
    {
        var step = PollFanOut.NextStep(Draft, Closed, At.AddMinutes(1));

        Assert.Equal(PollCommandKind.Open, step!.Kind);
        Assert.Equal(Closed.OpenedAt, step.At);
    }

    [Fact]
    public void NextStep_FromOpenTowardsClosed_ClosesWithTheClosingTime()
    {
        var step = PollFanOut.NextStep(Open, Closed, At.AddMinutes(1));

        Assert.Equal(PollCommandKind.Close, step!.Kind);
        Assert.Equal(Closed.ClosedAt, step.At);
    }

    [Fact]
    public void NextStep_TowardsAFreeze_HoldsTheSameFrozenTotals()
    {
        var step = PollFanOut.NextStep(Open, Frozen, At.AddMinutes(1));

        Assert.Equal(PollCommandKind.FreezeResults, step!.Kind);
        Assert.Equal([3L, 4L], step.FrozenTotals!);
        Assert.Equal(Frozen.Frozen!.At, step.At);
    }

    [Fact]
    public void NextStep_WhenAlreadyThere_IsNone()
    {
        Assert.Null(PollFanOut.NextStep(Closed, Closed, At));
        Assert.Null(PollFanOut.NextStep(Frozen, Frozen, At));
    }

    [Theory]
    [InlineData(PollCommandKind.Open, PollStatus.Open, true)]
    [InlineData(PollCommandKind.Open, PollStatus.Closed, false)]
    [InlineData(PollCommandKind.Close, PollStatus.Closed, true)]
    [InlineData(PollCommandKind.Close, PollStatus.Open, false)]
    public void IsAlready_CountsOnlyTheStateTheChangeLeadsTo(PollCommandKind kind, PollStatus status, bool expected)
    {
        var poll = status switch { PollStatus.Open => Open, PollStatus.Closed => Closed, _ => Draft };

        Assert.Equal(expected, PollFanOut.IsAlready(kind, poll));
    }
}
