using LiveVote.Server.Ingest;

namespace LiveVote.ShowSim;

/// <summary>
/// One simulated show: the fleet, the server's ingest limits, the measured commit cost and the failover. Every
/// default is the server's default or a figure measured on the bench machine (bench/README.md, bench/results/).
/// </summary>
internal sealed record SimSettings
{
    private static readonly IngestOptions ServerDefaults = new();

    /// <summary>PostgreSQL clusters the voters are spread over (the poll's partition count).</summary>
    public int Clusters { get; init; } = 10;

    /// <summary>API nodes; every request (first send or retry) reaches one at random, as behind a load balancer.</summary>
    public int Nodes { get; init; } = 12;

    public ShowCurve Curve { get; init; } = ShowCurve.Televised;

    /// <summary><c>LiveVote:Ingest:QueueCapacity</c>: votes waiting per queue; one queue per cluster on every node.</summary>
    public int QueueCapacity { get; init; } = ServerDefaults.QueueCapacity;

    /// <summary><c>LiveVote:Ingest:MaxBatchSize</c>.</summary>
    public int MaxBatchSize { get; init; } = ServerDefaults.MaxBatchSize;

    /// <summary><c>LiveVote:Ingest:CommitDeadlineMs</c>: a batch's requests get 503 when its commit runs this long.</summary>
    public double CommitDeadlineSeconds { get; init; } = ServerDefaults.CommitDeadlineMs / 1000.0;

    /// <summary><c>LiveVote:Ingest:RetryAfterSeconds</c>: what a 503 asks the client to wait.</summary>
    public double RetryAfterSeconds { get; init; } = ServerDefaults.RetryAfterSeconds;

    /// <summary>
    /// Clients wait Retry-After x (1 + U[0, jitter)), so a failover's refused voters do not all come back in the same
    /// millisecond. An assumption about the clients (the load generator retries after exactly Retry-After).
    /// </summary>
    public double RetryJitter { get; init; } = 0.5;

    /// <summary>The writer's pause after a failed commit (<c>BatchWriter</c>: 50 ms, "instead of spinning on it").</summary>
    public double FailedCommitPauseSeconds { get; init; } = 0.050;

    /// <summary>
    /// Per-commit time that does not use the primary's capacity: round trips, fsync, the synchronous standby's
    /// acknowledgement. From pg-2026-11-24T05-56-03Z.md, tuned + 2 synchronous standbys, batches of 1,000: one writer
    /// 24,706 votes/s = 40.5 ms a batch; of that, 1,000 x 28.7 µs is the per-vote work (below), leaving 11.7 ms.
    /// </summary>
    public double CommitFixedSeconds { get; init; } = 0.0117;

    /// <summary>
    /// Primary capacity used per vote: 1 / 34,812 votes/s, the same run with two writers (the primary saturated).
    /// Commits of all nodes share it first come, first served.
    /// </summary>
    public double CommitPerVoteSeconds { get; init; } = 1.0 / 34_812;

    /// <summary>
    /// How many clusters fail over at once: clusters 0 .. n-1 (voters are hashed uniformly, so which ones does not
    /// matter). 0: none; 1: one primary lost; N/3: a zone lost, when primaries are spread evenly over three zones.
    /// </summary>
    public int FailoverClusters { get; init; }

    /// <summary>When its primary is lost, seconds after the poll opens (default: in the middle of the spike).</summary>
    public double FailoverAtSeconds { get; init; } = 5;

    /// <summary>
    /// Seconds without a writable primary: node loss measured 19.5 s to a new leader and 24.4 s of client write gap
    /// (/work/shared/patroni-notes.md: ttl 20, plus 5-8 s until a synchronous standby is assigned again).
    /// </summary>
    public double FailoverSeconds { get; init; } = 25;

    public int Seed { get; init; } = 1;

    public bool FailsOver(int cluster) => cluster < FailoverClusters;

    public void Validate()
    {
        Curve.Validate();
        Require(Clusters is >= 1 and <= Server.Votes.VoterPartitioner.MaxPartitions, "clusters must be 1-1024");
        Require(Nodes >= 1, "nodes must be >= 1");
        Require(QueueCapacity >= 1 && MaxBatchSize >= 1, "queue capacity and batch size must be >= 1");
        Require(CommitDeadlineSeconds > 0 && RetryAfterSeconds > 0 && RetryJitter >= 0 && FailedCommitPauseSeconds >= 0,
            "deadline and Retry-After must be > 0, jitter and pause >= 0");
        Require(CommitFixedSeconds >= 0 && CommitPerVoteSeconds > 0, "commit cost must be positive");
        Require(FailoverClusters >= 0 && FailoverClusters <= Clusters, "failover clusters must be 0 .. clusters");
        Require(FailoverAtSeconds >= 0 && FailoverSeconds >= 0, "failover time must be >= 0");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
