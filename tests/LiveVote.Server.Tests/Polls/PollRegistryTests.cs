using LiveVote.Server.Polls;

namespace LiveVote.Server.Tests.Polls;

/// <summary>Applying polls read back from a shared store: a read older than what the node holds never wins.</summary>
public sealed class PollRegistryTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 24, 20, 0, 0, TimeSpan.Zero);
    private static readonly Poll Draft = new("p-1", "Who?", [new PollOption("a", "A"), new PollOption("b", "B")], PollStatus.Draft, At, null, null);
    private static readonly Poll Open = Draft.MoveTo(PollStatus.Open, At.AddSeconds(1));

    [Fact]
    public void Refresh_WithAPollNotHeld_AddsIt()
    {
        var registry = new PollRegistry();

        registry.Refresh(Draft);

        Assert.True(registry.TryGet("p-1", out var held));
        Assert.Equal(PollStatus.Draft, held.Status);
    }

    [Fact]
    public void Refresh_ReadBeforeThisNodesOpenCommitted_DoesNotPutThePollBackToDraft()
    {
        var registry = new PollRegistry();
        registry.Set(Open);

        registry.Refresh(Draft);

        Assert.True(registry.TryGet("p-1", out var held));
        Assert.Equal(PollStatus.Open, held.Status);
    }

    [Fact]
    public void Refresh_WithALaterStatusOrRevision_Applies()
    {
        var registry = new PollRegistry();
        registry.Set(Open);

        var frozen = Open.FreezeResults([3L, 4L], At.AddSeconds(2));
        registry.Refresh(frozen);
        Assert.True(registry.TryGet("p-1", out var held));
        Assert.Equal(frozen.ResultsRevision, held.ResultsRevision);

        registry.Refresh(Open);
        Assert.True(registry.TryGet("p-1", out held));
        Assert.NotNull(held.Frozen);

        registry.Refresh(frozen.MoveTo(PollStatus.Closed, At.AddSeconds(3)));
        Assert.True(registry.TryGet("p-1", out held));
        Assert.Equal(PollStatus.Closed, held.Status);
    }
}
