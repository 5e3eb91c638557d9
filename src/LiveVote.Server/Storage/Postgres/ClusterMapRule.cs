namespace LiveVote.Server.Storage.Postgres;

/// <summary>What one configured cluster records about itself (table <c>cluster_identity</c>, migration 6).</summary>
/// <param name="ClusterId">Generated when the database was first migrated: names the cluster for good.</param>
/// <param name="PartitionIndex">The partition the first node that mapped it gave it; null until then.</param>
/// <param name="Map">The fleet's cluster map as last recorded there: cluster ids of partitions 0, 1, ...; empty until mapped.</param>
internal readonly record struct RecordedIdentity(Guid ClusterId, int? PartitionIndex, IReadOnlyList<Guid> Map);

/// <summary>
/// The rule that keeps one voter in one cluster: a node's configured list of clusters (its map) must agree with what the
/// clusters themselves record. Each cluster sits at the index it was first given, and every recorded map is a prefix of
/// the node's (a node may append a new cluster, which is how one is added between polls; it may not drop, reorder or
/// replace one). A node breaking the rule would route some voters to a cluster that does not hold their earlier votes.
/// Pure, so every case is unit-tested; <see cref="ClusterMapGuard"/> reads the records and applies it at start.
/// </summary>
internal static class ClusterMapRule
{
    public const string MapSeparator = ",";

    /// <summary>Why the node's configured clusters (<paramref name="clusters"/>, in its partition order) must not be used, or null.</summary>
    public static string? Problem(IReadOnlyList<RecordedIdentity> clusters)
    {
        for (var i = 0; i < clusters.Count; i++)
        {
            for (var j = 0; j < i; j++)
            {
                if (clusters[i].ClusterId == clusters[j].ClusterId)
                {
                    return $"LiveVote:Postgres:Partitions:{j} and :{i} are the same cluster ({clusters[i].ClusterId}): every partition must be a cluster of its own.";
                }
            }
        }

        for (var i = 0; i < clusters.Count; i++)
        {
            if (clusters[i].PartitionIndex is { } recorded && recorded != i)
            {
                return $"LiveVote:Postgres:Partitions:{i} is the cluster {clusters[i].ClusterId}, which is partition {recorded} of the fleet: "
                    + "the partitions are reordered, or a connection string names the wrong cluster.";
            }
        }

        for (var i = 0; i < clusters.Count; i++)
        {
            var map = clusters[i].Map;
            if (map.Count > clusters.Count)
            {
                return $"The cluster at partition {i} records a fleet of {map.Count} clusters, but LiveVote:Postgres:Partitions lists {clusters.Count}: "
                    + $"partition {clusters.Count} ({map[clusters.Count]}) is missing, and its voters could be sent elsewhere.";
            }

            for (var k = 0; k < map.Count; k++)
            {
                if (map[k] != clusters[k].ClusterId)
                {
                    return $"LiveVote:Postgres:Partitions:{k} is the cluster {clusters[k].ClusterId}, but the cluster at partition {i} records {map[k]} there: "
                        + "a different cluster stands at that index.";
                }
            }
        }

        return null;
    }

    public static string Format(IEnumerable<Guid> map) => string.Join(MapSeparator, map);

    public static IReadOnlyList<Guid> Parse(string? map) =>
        string.IsNullOrEmpty(map) ? [] : [.. map.Split(MapSeparator).Select(Guid.Parse)];
}
