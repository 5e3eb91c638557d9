namespace LiveVote.Cli.Audit.Fleet;

/// <summary>
/// Holds the clusters given on the command line (partition 0 first) to what they record about themselves: each one's
/// partition_index is its position (null only while no node has mapped it: a warning), every recorded map is a prefix
/// of the longest one, and the longest map names exactly these clusters in this order. A missing, extra, repeated or
/// reordered cluster would make every placement judgement wrong, so each is a problem naming the partition.
/// </summary>
internal static class ClusterIdentityCheck
{
    /// <summary>Checks the identities (null: unreadable, already reported); returns the longest recorded map.</summary>
    public static IReadOnlyList<string> Check(IReadOnlyList<ClusterIdentity?> clusters, ProblemLog problems, List<VerifyProblem> warnings)
    {
        for (var i = 0; i < clusters.Count; i++)
        {
            if (clusters[i] is not { } cluster)
            {
                continue;
            }

            if (cluster.PartitionIndex is not { } recorded)
            {
                if (cluster.Map is null)
                {
                    warnings.Add(new VerifyProblem(null, null,
                        $"cluster {cluster.ClusterId} records no partition_index and no fleet map: no node has mapped this cluster yet") { Partition = i });
                }
                else
                {
                    problems.InPartition(i, null, null, $"cluster {cluster.ClusterId} records a fleet map but no partition_index");
                }
            }
            else if (recorded != i)
            {
                problems.InPartition(i, null, null,
                    $"cluster {cluster.ClusterId} records partition_index {recorded}, but the command line gives it as partition {i} (a missing or reordered --postgres?)");
            }

            for (var j = 0; j < i; j++)
            {
                if (clusters[j] is { } earlier && string.Equals(earlier.ClusterId, cluster.ClusterId, StringComparison.OrdinalIgnoreCase))
                {
                    problems.InPartition(i, null, null, $"cluster {cluster.ClusterId} is also given as partition {j}: the same cluster twice");
                }
            }
        }

        var longestAt = -1;
        for (var i = 0; i < clusters.Count; i++)
        {
            if (clusters[i] is { Map: not null } cluster && (longestAt < 0 || cluster.MapIds.Count > clusters[longestAt]!.MapIds.Count))
            {
                longestAt = i;
            }
        }

        if (longestAt < 0)
        {
            problems.InPartition(null, null, null,
                "no cluster records a fleet map: nothing shows that these clusters were ever one fleet, or in this order");
            return [];
        }

        var longest = clusters[longestAt]!.MapIds;
        var longestText = string.Join(',', longest);
        for (var i = 0; i < clusters.Count; i++)
        {
            if (clusters[i] is not { } cluster)
            {
                continue;
            }

            if (cluster.Map is not null && !IsPrefix(cluster.MapIds, longest))
            {
                problems.InPartition(i, null, null,
                    $"the fleet map it records ({cluster.Map}) is not a prefix of the longest one ({longestText}, recorded by partition {longestAt}): the clusters disagree about the fleet");
            }

            if (i >= longest.Count)
            {
                problems.InPartition(i, null, null,
                    $"cluster {cluster.ClusterId} is not in the fleet map ({longestText}): a cluster the fleet never mapped, or one --postgres too many");
            }
            else if (!Same(longest[i], cluster.ClusterId))
            {
                var mapped = IndexOf(longest, cluster.ClusterId);
                problems.InPartition(i, null, null, mapped >= 0
                    ? $"cluster {cluster.ClusterId} is partition {mapped} in the fleet map, but the command line gives it as partition {i} (reordered --postgres?)"
                    : $"cluster {cluster.ClusterId} is not in the fleet map, which has cluster {longest[i]} as partition {i} (a different cluster?)");
            }
        }

        if (longest.Count > clusters.Count)
        {
            var missing = Enumerable.Range(clusters.Count, longest.Count - clusters.Count).Select(p => $"partition {p} (cluster {longest[p]})");
            problems.InPartition(null, null, null,
                $"the fleet map names {longest.Count} clusters, the command line gives {clusters.Count}: missing {string.Join(", ", missing)}");
        }

        return longest;
    }

    private static bool IsPrefix(IReadOnlyList<string> map, IReadOnlyList<string> longest) =>
        map.Count <= longest.Count && map.Select((id, i) => Same(id, longest[i])).All(same => same);

    private static int IndexOf(IReadOnlyList<string> map, string clusterId)
    {
        for (var i = 0; i < map.Count; i++)
        {
            if (Same(map[i], clusterId))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
