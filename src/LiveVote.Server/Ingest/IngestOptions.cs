using System.ComponentModel.DataAnnotations;

namespace LiveVote.Server.Ingest;

/// <summary>Configuration section <c>LiveVote:Ingest</c>: the bounded queue and the group commit.</summary>
public sealed class IngestOptions
{
    public const string Section = "LiveVote:Ingest";

    /// <summary>
    /// Votes waiting for the writer. 8,192 is about 0.3 s of this node's measured peak (~25k votes/s): a full queue
    /// already means the p99 write target (150 ms) is being missed, so beyond it we answer 503 at once instead of
    /// queueing longer. Memory: ~64 bytes a slot.
    /// </summary>
    [Range(1, 1_000_000)]
    public int QueueCapacity { get; set; } = 8192;

    /// <summary>
    /// Most votes in one transaction. Large enough that one fsync (~0.3 ms here) serves thousands of votes at peak,
    /// small enough that a batch commits in a few milliseconds and memory per batch stays bounded.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxBatchSize { get; set; } = 4096;

    /// <summary>
    /// How long the writer lingers for more votes when the queue is empty after taking a batch, in milliseconds. 0: no
    /// lingering. The commit itself is the batching window: votes queue while the previous batch's fsync runs, so
    /// batches grow with load by themselves. A linger of 1 ms was paid on nearly every batch (the queue is empty right
    /// after draining it) and was never faster in paired closed-loop runs on the bench machine (bench/README.md).
    /// </summary>
    [Range(0, 1000)]
    public int MaxBatchDelayMs { get; set; }

    /// <summary>
    /// How long a vote's request waits for its batch's commit, in milliseconds, before it is answered 503
    /// <c>store-unavailable</c> while the commit goes on (its outcome then settled by the client's retry: 201 if it was
    /// never stored, 200 with the same vote id if it was). A healthy commit takes milliseconds (p99 write target 150 ms);
    /// one still running after 3 s is waiting for something that will not come soon (no synchronous standby, a
    /// failover), and a request must not hang with it. While it runs, new votes are answered 503 at once.
    /// </summary>
    [Range(100, 60_000)]
    public int CommitDeadlineMs { get; set; } = 3000;

    /// <summary>Seconds a client is asked to wait (Retry-After) when the queue is full or the store failed.</summary>
    [Range(1, 60)]
    public int RetryAfterSeconds { get; set; } = 1;
}
