using System.Security.Cryptography;
using System.Text;
using LiveVote.Server.Ingest;
using LiveVote.Server.Polls;
using LiveVote.Server.Votes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Tests.Ingest;

/// <summary>The router puts each vote on the queue of its voter's partition, with the partition count of its poll.</summary>
public sealed class IngestRouterTests
{
    private static readonly Poll OnePartitionPoll = PollRules.Create("one", "Who?", [("a", "A"), ("b", "B")], DateTimeOffset.UnixEpoch)
        .MoveTo(PollStatus.Open, DateTimeOffset.UnixEpoch);

    [Fact]
    public void TryEnqueueVote_OnePartition_QueuesEveryVoteOnIt()
    {
        var queue = Queue();
        var router = new IngestRouter(queue, NullLogger<IngestRouter>.Instance);

        for (var i = 0; i < 50; i++)
        {
            Assert.True(router.TryEnqueueVote(Vote(OnePartitionPoll, i)));
        }

        Assert.Equal(1, router.PartitionCount);
        Assert.Equal(50, queue.Count);
    }

    [Fact]
    public void TryEnqueueVote_SeveralPartitions_QueuesEachVoteOnItsVotersPartition()
    {
        var queues = new[] { Queue(), Queue(), Queue() };
        var router = new IngestRouter(queues, NullLogger<IngestRouter>.Instance);
        var poll = OnePartitionPoll with { PartitionCount = 3 };

        for (var i = 0; i < 300; i++)
        {
            Assert.True(router.TryEnqueueVote(Vote(poll, i)));
        }

        for (var p = 0; p < queues.Length; p++)
        {
            Assert.True(queues[p].Count > 0, $"Partition {p} got no vote.");
            while (queues[p].Reader.TryRead(out var queued))
            {
                Assert.Equal(p, VoterPartitioner.PartitionOf(queued.VoterKey, 3));
            }
        }
    }

    [Fact]
    public void TryEnqueueVote_PollCreatedWithFewerPartitions_KeepsRoutingWithItsOwnCount()
    {
        var queues = new[] { Queue(), Queue() };
        var router = new IngestRouter(queues, NullLogger<IngestRouter>.Instance);

        for (var i = 0; i < 100; i++)
        {
            Assert.True(router.TryEnqueueVote(Vote(OnePartitionPoll, i)));
        }

        Assert.Equal(100, queues[0].Count);
        Assert.Equal(0, queues[1].Count);
    }

    [Fact]
    public async Task TryEnqueueVote_PollSpreadOverMorePartitionsThanTheNodeHas_IsAnsweredStoreFailedAndQueuedNowhere()
    {
        var queue = Queue();
        var router = new IngestRouter(queue, NullLogger<IngestRouter>.Instance);
        var vote = Vote(OnePartitionPoll with { PartitionCount = 2 }, 1);

        Assert.True(router.TryEnqueueVote(vote));

        Assert.Equal(VoteOutcome.StoreFailed, (await vote.Completion!.Task).Outcome);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void TryEnqueueVote_PartitionQueueFull_IsRefused()
    {
        var queue = Queue(capacity: 2);
        var router = new IngestRouter(queue, NullLogger<IngestRouter>.Instance);

        Assert.True(router.TryEnqueueVote(Vote(OnePartitionPoll, 1)));
        Assert.True(router.TryEnqueueVote(Vote(OnePartitionPoll, 2)));
        Assert.False(router.TryEnqueueVote(Vote(OnePartitionPoll, 3)));
    }

    [Fact]
    public async Task EnqueuePollCommandAsync_OnePartition_QueuesTheChange()
    {
        var queue = Queue();
        var router = new IngestRouter(queue, NullLogger<IngestRouter>.Instance);

        await router.EnqueuePollCommandAsync(0, new PollCommand(PollCommandKind.Open, "one", null), CancellationToken.None);

        Assert.True(queue.Reader.TryRead(out var queued));
        Assert.Equal(WriterCommandKind.PollChange, queued.Kind);
        Assert.Equal(PollCommandKind.Open, queued.PollCommand.Kind);
    }

    /// <summary>A poll change is queued on the one partition named, and only there (the fan-out sends one to each).</summary>
    [Fact]
    public async Task EnqueuePollCommandAsync_SeveralPartitions_QueuesOnlyOnTheNamedPartition()
    {
        var queues = new[] { Queue(), Queue() };
        var router = new IngestRouter(queues, NullLogger<IngestRouter>.Instance);

        await router.EnqueuePollCommandAsync(1, new PollCommand(PollCommandKind.Open, "one", null), CancellationToken.None);

        Assert.Equal(0, queues[0].Count);
        Assert.True(queues[1].Reader.TryRead(out var queued));
        Assert.Equal(PollCommandKind.Open, queued.PollCommand.Kind);
    }

    private static IngestQueue Queue(int capacity = 1000) => new(Options.Create(new IngestOptions { QueueCapacity = capacity }));

    private static WriterCommand Vote(Poll poll, int viewer) =>
        WriterCommand.Vote(poll, 0, VoterKey.Read(SHA256.HashData(Encoding.UTF8.GetBytes("viewer-" + viewer))), new VoteCompletion());
}
