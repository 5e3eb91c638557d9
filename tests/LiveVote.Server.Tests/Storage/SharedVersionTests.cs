using LiveVote.Server.Polls;
using LiveVote.Server.Storage;

namespace LiveVote.Server.Tests.Storage;

/// <summary>The public results version of a shared store: equal on every node for the same view, never going down.</summary>
public sealed class SharedVersionTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 24, 20, 0, 0, TimeSpan.Zero);
    private static readonly Poll Open = new Poll("p-1", "Who?", [new PollOption("a", "A"), new PollOption("b", "B")], PollStatus.Draft, At, null, null)
        .MoveTo(PollStatus.Open, At);

    [Fact]
    public void Frozen_HasOneVersion_WhateverLiveTotalANodeSawIt()
    {
        var frozen = Open.FreezeResults([2L, 0L], At);

        Assert.Equal(SharedStateRefresher.SharedVersion(frozen, 2), SharedStateRefresher.SharedVersion(frozen, 5));
    }

    [Fact]
    public void Version_NeverGoesDown_ThroughVotesFreezeReleaseAndClose()
    {
        var frozen = Open.FreezeResults([2L, 0L], At);
        var released = frozen.ReleaseResults();
        var steps = new[]
        {
            SharedStateRefresher.SharedVersion(Open, 0),
            SharedStateRefresher.SharedVersion(Open, 1_000_000),
            SharedStateRefresher.SharedVersion(frozen, 1_000_000),
            SharedStateRefresher.SharedVersion(released, 1_000_000),
            SharedStateRefresher.SharedVersion(released, 1_000_001),
            SharedStateRefresher.SharedVersion(released.FreezeResults([5L, 5L], At).MoveTo(PollStatus.Closed, At), 1_000_001),
        };

        for (var i = 1; i < steps.Length; i++)
        {
            Assert.True(steps[i] > steps[i - 1], $"step {i}: {steps[i]} after {steps[i - 1]}");
        }
    }
}
