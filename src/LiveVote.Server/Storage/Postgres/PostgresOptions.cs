using System.ComponentModel.DataAnnotations;
using LiveVote.Server.Votes;

namespace LiveVote.Server.Storage.Postgres;

/// <summary>Configuration section <c>LiveVote:Postgres</c>, used when <c>LiveVote:Storage</c> is <c>Postgres</c>.</summary>
public sealed class PostgresOptions
{
    public const string Section = "LiveVote:Postgres";

    /// <summary>
    /// Npgsql connection string. In production a multi-host list with <c>Target Session Attributes=read-write</c>, so a
    /// node finds the new primary after a failover by itself.
    /// </summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// The store partitions (PostgreSQL clusters) voters are spread over by voter key, one connection string each, in
    /// a fixed order (an index names a cluster for good: clusters are only ever appended, between polls). Empty: the one
    /// cluster of <see cref="ConnectionString"/>. Each cluster records its index and the fleet's map, and a node whose
    /// list disagrees refuses to start (<see cref="ClusterMapGuard"/>).
    /// </summary>
    public IList<string> Partitions { get; } = [];

    /// <summary>Connection string of each partition, in partition order.</summary>
    public IReadOnlyList<string> PartitionConnectionStrings() =>
        Partitions.Count > 0 ? [.. Partitions] : [ConnectionString];

    /// <summary>Why this configuration cannot run, or null when it can (checked at start with <c>LiveVote:Storage=Postgres</c>).</summary>
    public string? PartitionsProblem()
    {
        if (Partitions.Count > VoterPartitioner.MaxPartitions)
        {
            return $"LiveVote:Postgres:Partitions lists {Partitions.Count} clusters; at most {VoterPartitioner.MaxPartitions} are supported.";
        }

        if (Partitions.Count > 1 && !string.IsNullOrWhiteSpace(ConnectionString))
        {
            return "Configure either LiveVote:Postgres:ConnectionString (one cluster) or LiveVote:Postgres:Partitions (several), not both.";
        }

        if (Partitions.Distinct(StringComparer.Ordinal).Count() != Partitions.Count)
        {
            return "LiveVote:Postgres:Partitions lists the same connection string twice: every partition must be a cluster of its own.";
        }

        if (Partitions.Count == 1 && !string.IsNullOrWhiteSpace(ConnectionString) && !string.Equals(Partitions[0], ConnectionString, StringComparison.Ordinal))
        {
            return "LiveVote:Postgres:ConnectionString and LiveVote:Postgres:Partitions name different clusters: configure one of them.";
        }

        return PartitionConnectionStrings().Any(string.IsNullOrWhiteSpace)
            ? "LiveVote:Postgres:ConnectionString (or one entry of LiveVote:Postgres:Partitions) is required when LiveVote:Storage is Postgres."
            : null;
    }

    /// <summary>
    /// How often each node reloads polls and summed tallies, in milliseconds. 200 ms plus the 250 ms publish interval
    /// keeps every node within a second of every other.
    /// </summary>
    [Range(20, 5000)]
    public int RefreshIntervalMs { get; set; } = 200;

    /// <summary>Seconds between audit checkpoints that bind the heads of every writer's chain.</summary>
    [Range(1, 3600)]
    public int CheckpointIntervalSeconds { get; set; } = 10;
}
