using LiveVote.Server.Polls;

namespace LiveVote.Server.Tests.Polls;

/// <summary>The node's view of a poll spread over several partitions is its least advanced state among them.</summary>
public sealed class PartitionPollsTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 5, 20, 0, 0, TimeSpan.Zero);
    private static readonly Poll Draft = new("p-1", "Who?", [new PollOption("a", "A"), new PollOption("b", "B")], PollStatus.Draft, At, null, null) { PartitionCount = 2 };
    private static readonly Poll Open = Draft.MoveTo(PollStatus.Open, At.AddSeconds(1));
    private static readonly Poll Closed = Open.MoveTo(PollStatus.Closed, At.AddSeconds(2));

    [Fact]
    public void Committed_InOnePartitionOfTwo_LeavesTheNodeAtTheOtherPartitionsState()
    {
        var node = new PollRegistry();
        var views = new PartitionPolls(node, 2);
        views.Committed(0, Open);
        views.Committed(1, Open);

        views.Committed(0, Closed);

        Assert.True(node.TryGet("p-1", out var held));
        Assert.Equal(PollStatus.Open, held.Status);
        Assert.Equal(PollStatus.Closed, views.View(0).TryGet("p-1", out var zero) ? zero.Status : PollStatus.Draft);
        Assert.Equal([1], views.Behind(Closed));
    }

    [Fact]
    public void Committed_InEveryPartition_MovesTheNode()
    {
        var node = new PollRegistry();
        var views = new PartitionPolls(node, 2);
        views.Committed(0, Open);
        views.Committed(1, Open);
        views.Committed(0, Closed);

        views.Committed(1, Closed);

        Assert.True(node.TryGet("p-1", out var held));
        Assert.Equal(PollStatus.Closed, held.Status);
        Assert.Empty(views.Behind(Closed));
    }

    [Fact]
    public void Read_OfAnOlderState_NeverMovesAViewOrTheNodeBack()
    {
        var node = new PollRegistry();
        var views = new PartitionPolls(node, 2);
        views.Committed(0, Open);
        views.Committed(1, Open);

        views.Read(1, Draft);

        Assert.True(node.TryGet("p-1", out var held));
        Assert.Equal(PollStatus.Open, held.Status);
        Assert.True(views.View(1).TryGet("p-1", out var one));
        Assert.Equal(PollStatus.Open, one.Status);
    }

    [Fact]
    public void OnePartition_ItsViewIsTheNodesRegistry()
    {
        var node = new PollRegistry();
        var views = new PartitionPolls(node, 1);

        views.Committed(0, Open);

        Assert.Same(node, views.View(0));
        Assert.True(node.TryGet("p-1", out var held));
        Assert.Equal(PollStatus.Open, held.Status);
    }
}
