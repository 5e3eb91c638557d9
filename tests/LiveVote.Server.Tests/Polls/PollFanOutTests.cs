using LiveVote.Server.Ingest;
using LiveVote.Server.Polls;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

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
    public void NextStep_TowardsAPollWhoseVoterKeysWereDestroyed_DestroysThemWithTheSameTime_AndCreatesWithTheSameSecret()
    {
        var wrapping = new LiveVote.Server.Votes.VoterSecretWrapping(System.Text.Encoding.UTF8.GetBytes(Infrastructure.LiveVoteServer.VoterKeySecret));
        var closed = Closed with { VoterSecret = wrapping.NewFor(Closed.Id) };
        var shredded = closed with { VoterSecret = null, VoterKeysDestroyedAt = At.AddDays(90) };

        var step = PollFanOut.NextStep(closed, shredded, At.AddDays(91));

        Assert.Equal(new PollChange(PollCommandKind.DestroyVoterKeys, closed.Id, null, At.AddDays(90), null), step);
        Assert.True(PollFanOut.IsAlready(PollCommandKind.DestroyVoterKeys, shredded));
        Assert.True(PollRegistry.IsOlder(closed, shredded));
        Assert.False(PollRegistry.IsOlder(shredded, closed));
        Assert.Equal(closed.VoterSecret, PollFanOut.NextStep(null, closed, At)!.Definition!.VoterSecret);
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

    [Fact]
    public async Task SendAsync_WhenOnePartitionFails_Answers503AndThatPartitionCatchesUpInTheBackground()
    {
        var time = new FakeTimeProvider(At);
        var queues = new[] { Queue(), Queue() };
        var node = new PollRegistry();
        var views = new PartitionPolls(node, 2);
        views.Committed(0, Open);
        views.Committed(1, Open);
        var fanOut = new PollFanOut(
            new IngestRouter(queues, NullLogger<IngestRouter>.Instance), node, views, time, new Lifetime(), NullLogger<PollFanOut>.Instance);

        var sent = fanOut.SendAsync(new PollChange(PollCommandKind.Close, Open.Id, null, At.AddSeconds(3), null), CancellationToken.None);
        var toZero = Take(queues[0]);
        var toOne = Take(queues[1]);
        var closed = Open.Apply(PollCommandKind.Close, toZero.At!.Value, []).Next!;
        views.Committed(0, closed);
        toZero.Complete(new PollCommandResult(PollCommandStatus.Done, closed));
        toOne.Complete(new PollCommandResult(PollCommandStatus.StoreFailed, null));

        Assert.Equal(PollCommandStatus.StoreFailed, (await sent).Status);
        Assert.Equal(PollStatus.Open, node.TryGet(Open.Id, out var merged) ? merged.Status : PollStatus.Draft);

        PollCommand? retry = null;
        for (var i = 0; i < 100 && retry is null; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(10);
            retry = queues[1].Reader.TryRead(out var queued) ? queued.PollCommand : null;
        }

        Assert.NotNull(retry);
        Assert.Equal(PollCommandKind.Close, retry.Kind);
        Assert.Equal(closed.ClosedAt, retry.At);
        Assert.Equal(0, queues[0].Count);
        views.Committed(1, closed);
        retry.Complete(new PollCommandResult(PollCommandStatus.Done, closed));
        Assert.Equal(PollStatus.Closed, node.TryGet(Open.Id, out merged) ? merged.Status : PollStatus.Draft);
    }

    [Fact]
    public async Task SendAsync_ToAPartitionAlreadyInTheTargetState_CountsItAsDone()
    {
        var time = new FakeTimeProvider(At);
        var queues = new[] { Queue(), Queue() };
        var node = new PollRegistry();
        var views = new PartitionPolls(node, 2);
        views.Committed(0, Open);
        views.Committed(1, Closed);
        var fanOut = new PollFanOut(
            new IngestRouter(queues, NullLogger<IngestRouter>.Instance), node, views, time, new Lifetime(), NullLogger<PollFanOut>.Instance);

        var sent = fanOut.SendAsync(new PollChange(PollCommandKind.Close, Open.Id, null, At.AddSeconds(3), null), CancellationToken.None);
        views.Committed(0, Closed);
        Take(queues[0]).Complete(new PollCommandResult(PollCommandStatus.Done, Closed));
        Take(queues[1]).Complete(new PollCommandResult(PollCommandStatus.InvalidTransition, Closed));

        var answer = await sent;
        Assert.Equal(PollCommandStatus.Done, answer.Status);
        Assert.Equal(PollStatus.Closed, answer.Poll!.Status);
    }

    private static IngestQueue Queue() => new(Options.Create(new IngestOptions()));

    private static PollCommand Take(IngestQueue queue)
    {
        Assert.True(queue.Reader.TryRead(out var queued));
        return queued.PollCommand;
    }

    private sealed class Lifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication()
        {
        }
    }
}
