namespace LiveVote.ShowSim;

/// <summary>
/// What one cluster's voters saw. Stored: votes a commit stored (the unique key counts each once). Created / Duplicates:
/// final answers 201 / 200 (a retry whose earlier try was stored by a commit that outlived its deadline). Latency: from
/// a vote's first send to its final answer. LastRetriedAnswerSeconds: when the last vote that had seen a 503 got its
/// final answer (0 if none did): the moment the backlog of retries is gone.
/// </summary>
internal sealed record ClusterReport(
    int Cluster,
    long Votes,
    long Stored,
    long Created,
    long Duplicates,
    long Attempts,
    long Refused,
    long VotersRefused,
    double P50Ms,
    double P99Ms,
    double MaxMs,
    int MaxQueueDepth,
    double LastAnswerSeconds,
    double LastRetriedAnswerSeconds)
{
    /// <summary>503 answers per request sent (first sends and retries).</summary>
    public double RefusedRate => Attempts == 0 ? 0 : (double)Refused / Attempts;
}

internal sealed record SimReport(SimSettings Settings, IReadOnlyList<ClusterReport> Clusters, double P50Ms, double P99Ms, double LastAnswerSeconds)
{
    public long Votes => Clusters.Sum(c => c.Votes);

    public long Stored => Clusters.Sum(c => c.Stored);

    public long Attempts => Clusters.Sum(c => c.Attempts);

    public long Refused => Clusters.Sum(c => c.Refused);

    public double RefusedRate => Attempts == 0 ? 0 : (double)Refused / Attempts;
}
