using LiveVote.Cli.Audit.Postgres;

namespace LiveVote.Cli.Audit.Fleet;

/// <summary>
/// A cluster's <c>cluster_identity</c> row (schema migration 6): its id for good, the partition index the first node
/// that mapped it recorded (null until then), and the fleet map it last saw (the cluster ids of partitions 0, 1, ...
/// joined by ','; it only grows by appending).
/// </summary>
internal sealed record ClusterIdentity(string ClusterId, int? PartitionIndex, string? Map)
{
    /// <summary>The ids the map names, in partition order; empty when the cluster records no map.</summary>
    public IReadOnlyList<string> MapIds { get; } =
        Map is null ? [] : Map.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// Reads the row in the cluster's snapshot; null (and a problem) when the table is missing or does not hold exactly
    /// one row. The table is looked up first, so its absence leaves the read-only transaction usable.
    /// </summary>
    public static ClusterIdentity? Read(PostgresSnapshot snapshot, int partition, ProblemLog problems)
    {
        using (var exists = snapshot.Command("SELECT to_regclass('cluster_identity') IS NOT NULL"))
        {
            if (exists.ExecuteScalar() is not true)
            {
                problems.InPartition(partition, null, null,
                    "has no cluster_identity table (schema migration 6): nothing shows which cluster of the fleet this is");
                return null;
            }
        }

        var rows = new List<ClusterIdentity>();
        using (var command = snapshot.Command("SELECT cluster_id::text, partition_index, map FROM cluster_identity"))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                rows.Add(new ClusterIdentity(
                    reader.GetString(0).ToLowerInvariant(), reader.IsDBNull(1) ? null : reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
            }
        }

        if (rows.Count == 1)
        {
            return rows[0];
        }

        problems.InPartition(partition, null, null, $"cluster_identity holds {rows.Count} rows, not one: which cluster this is cannot be told");
        return null;
    }
}
