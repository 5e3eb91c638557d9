using LiveVote.Server.Polls;
using LiveVote.Server.Votes;

namespace LiveVote.Server.Ingest;

/// <summary>
/// Sends each vote to the queue of the store partition that owns its voter:
/// <c>partitions[VoterPartitioner.PartitionOf(voterKey, poll.PartitionCount)]</c>. Each partition is one PostgreSQL
/// cluster with its own queue and batch writer, so dedup on (poll, voter key) stays a primary-key check inside one
/// cluster. A poll routes with the partition count recorded when it was created, never the node's current one, so its
/// voters never move mid-poll.
/// <para>
/// This version runs exactly one partition (every vote goes to it; <c>LiveVote:Postgres:Partitions</c> is validated to
/// one entry at start). Several clusters need poll changes applied to every one of them, which is planned
/// (docs/design.md, section 11, "Scale-out plan"): until then a router of several partitions refuses poll changes.
/// </para>
/// </summary>
internal sealed partial class IngestRouter
{
    private readonly IngestQueue[] _partitions;
    private readonly ILogger<IngestRouter> _logger;
    private int _unroutableLogged;

    /// <summary>The one partition this version runs.</summary>
    public IngestRouter(IngestQueue queue, ILogger<IngestRouter> logger)
        : this([queue], logger)
    {
    }

    internal IngestRouter(IngestQueue[] partitions, ILogger<IngestRouter> logger)
    {
        ArgumentOutOfRangeException.ThrowIfZero(partitions.Length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(partitions.Length, VoterPartitioner.MaxPartitions);
        _partitions = partitions;
        _logger = logger;
    }

    /// <summary>Partitions (store clusters) this node writes to; a poll created now is spread over all of them.</summary>
    public int PartitionCount => _partitions.Length;

    /// <summary>
    /// Queues the vote on its voter's partition. False when that queue is full (answer 503 overloaded). A poll spread
    /// over more partitions than this node has cannot be routed: the vote is answered "store failed" (503 + Retry-After)
    /// and stored nowhere, since storing it elsewhere would break dedup.
    /// </summary>
    public bool TryEnqueueVote(in WriterCommand vote)
    {
        var poll = vote.Poll!;
        if (poll.PartitionCount > _partitions.Length)
        {
            if (Interlocked.Exchange(ref _unroutableLogged, 1) == 0)
            {
                LogUnroutable(_logger, poll.Id, poll.PartitionCount, _partitions.Length);
            }

            vote.Completion.SetResult(VoteResult.StoreFailed);
            return true;
        }

        return _partitions[VoterPartitioner.PartitionOf(vote.VoterKey, poll.PartitionCount)].TryEnqueueVote(vote);
    }

    /// <summary>A poll change goes to every partition; with one partition, to its queue.</summary>
    public ValueTask EnqueuePollCommandAsync(PollCommand command, CancellationToken cancellationToken) =>
        _partitions.Length == 1
            ? _partitions[0].EnqueuePollCommandAsync(command, cancellationToken)
            : throw new NotSupportedException("Poll changes across several store partitions are planned, not built: run one partition.");

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Poll {PollId} is spread over {PollPartitions} store partitions but this node has {NodePartitions}: its votes are answered 503 (configure every partition in LiveVote:Postgres:Partitions)")]
    private static partial void LogUnroutable(ILogger logger, string pollId, int pollPartitions, int nodePartitions);
}
