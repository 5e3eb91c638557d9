using LiveVote.Server.Polls;
using LiveVote.Server.Votes;

namespace LiveVote.Server.Ingest;

/// <summary>
/// Sends each vote to the queue of the store partition that owns its voter:
/// <c>partitions[VoterPartitioner.PartitionOf(voterKey, poll.PartitionCount)]</c>. Each partition is one PostgreSQL
/// cluster with its own queue and batch writer (<see cref="IngestPartitions"/>), so dedup on (poll, voter key) stays a
/// primary-key check inside one cluster. A poll routes with the partition count recorded when it was created, never the
/// node's current one, so its voters never move mid-poll. Poll changes go to every partition (<see cref="Polls.PollAdmin"/>).
/// </summary>
internal sealed partial class IngestRouter
{
    private readonly IReadOnlyList<IngestQueue> _partitions;
    private readonly ILogger<IngestRouter> _logger;
    private int _unroutableLogged;

    /// <summary>One partition.</summary>
    public IngestRouter(IngestQueue queue, ILogger<IngestRouter> logger)
        : this([queue], logger)
    {
    }

    public IngestRouter(IReadOnlyList<IngestQueue> partitions, ILogger<IngestRouter> logger)
    {
        ArgumentOutOfRangeException.ThrowIfZero(partitions.Count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(partitions.Count, VoterPartitioner.MaxPartitions);
        _partitions = partitions;
        _logger = logger;
    }

    /// <summary>Partitions (store clusters) this node writes to; a poll created now is spread over all of them.</summary>
    public int PartitionCount => _partitions.Count;

    /// <summary>
    /// Queues the vote on its voter's partition. False when that queue is full (answer 503 overloaded). A poll spread
    /// over more partitions than this node has cannot be routed: the vote is answered "store failed" (503 + Retry-After)
    /// and stored nowhere, since storing it elsewhere would break dedup.
    /// </summary>
    public bool TryEnqueueVote(in WriterCommand vote)
    {
        var poll = vote.Poll!;
        if (poll.PartitionCount > _partitions.Count)
        {
            if (Interlocked.Exchange(ref _unroutableLogged, 1) == 0)
            {
                LogUnroutable(_logger, poll.Id, poll.PartitionCount, _partitions.Count);
            }

            vote.Completion.SetResult(VoteResult.StoreFailed);
            return true;
        }

        return _partitions[VoterPartitioner.PartitionOf(vote.VoterKey, poll.PartitionCount)].TryEnqueueVote(vote);
    }

    /// <summary>Queues a poll change on one partition's writer (the caller sends it to every partition).</summary>
    public ValueTask EnqueuePollCommandAsync(int partition, PollCommand command, CancellationToken cancellationToken) =>
        _partitions[partition].EnqueuePollCommandAsync(command, cancellationToken);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Poll {PollId} is spread over {PollPartitions} store partitions but this node has {NodePartitions}: its votes are answered 503 (configure every partition in LiveVote:Postgres:Partitions)")]
    private static partial void LogUnroutable(ILogger logger, string pollId, int pollPartitions, int nodePartitions);
}
