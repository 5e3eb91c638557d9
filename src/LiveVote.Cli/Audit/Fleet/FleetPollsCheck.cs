namespace LiveVote.Cli.Audit.Fleet;

/// <summary>
/// Every poll row exists in every cluster with the same definition (title, options, partition_count, created_at): poll
/// changes fan out to all of them, and a poll's partition_count decides where each of its voters lives. Only the status
/// may differ, while a change is still fanning out (or one never reached a cluster that was failing over): that is a
/// warning, since the votes each cluster accepted are judged by that cluster's own chain.
/// </summary>
internal static class FleetPollsCheck
{
    /// <summary>
    /// Checks the clusters' polls (null: unreadable, already reported); returns each poll's partition count as the
    /// lowest partition holding it records it.
    /// </summary>
    public static Dictionary<string, int> Check(
        IReadOnlyList<IReadOnlyDictionary<string, FleetPollRow>?> clusters, ProblemLog problems, List<VerifyProblem> warnings)
    {
        var partitionCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        var ids = clusters.Where(c => c is not null).SelectMany(c => c!.Values)
            .OrderBy(p => p.CreatedAt).ThenBy(p => p.Id, StringComparer.Ordinal).Select(p => p.Id).Distinct(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            var holding = Enumerable.Range(0, clusters.Count).Where(i => clusters[i]?.ContainsKey(id) == true).ToList();
            var first = holding[0];
            var reference = clusters[first]![id];
            partitionCounts[id] = reference.PartitionCount;
            for (var i = 0; i < clusters.Count; i++)
            {
                if (clusters[i] is not { } polls)
                {
                    continue;
                }

                if (!polls.TryGetValue(id, out var row))
                {
                    problems.InPartition(i, null, id,
                        $"polls table has no row for this poll, which {Holders(holding)}: every poll change fans out to every cluster");
                }
                else if (i != first)
                {
                    CompareDefinition(i, first, reference, row, problems);
                }
            }

            if (reference.PartitionCount > clusters.Count)
            {
                problems.InPartition(null, null, id,
                    $"spread over {reference.PartitionCount} partitions, but the command line gives {clusters.Count} clusters: the votes of the missing partitions are not checked");
            }

            var statuses = holding.Select(i => (Partition: i, clusters[i]![id].Status)).ToList();
            if (statuses.Select(s => s.Status).Distinct(StringComparer.Ordinal).Count() > 1)
            {
                warnings.Add(new VerifyProblem(null, id,
                    $"status differs between clusters ({string.Join(", ", statuses.Select(s => $"partition {s.Partition} {s.Status}"))}): a poll change still fanning out, or one that never reached every cluster"));
            }
        }

        return partitionCounts;
    }

    private static void CompareDefinition(int partition, int first, FleetPollRow reference, FleetPollRow row, ProblemLog problems)
    {
        if (!string.Equals(row.Title, reference.Title, StringComparison.Ordinal))
        {
            problems.InPartition(partition, null, row.Id, $"title '{row.Title}' differs from partition {first}'s '{reference.Title}'");
        }

        if (!row.SameOptions(reference))
        {
            problems.InPartition(partition, null, row.Id, $"options {row.OptionsJson} differ from partition {first}'s {reference.OptionsJson}");
        }

        if (row.PartitionCount != reference.PartitionCount)
        {
            problems.InPartition(partition, null, row.Id,
                $"partition_count {row.PartitionCount} differs from partition {first}'s {reference.PartitionCount}: its voters would be placed differently");
        }

        if (row.CreatedAt != reference.CreatedAt)
        {
            problems.InPartition(partition, null, row.Id, $"created_at {row.CreatedAt} differs from partition {first}'s {reference.CreatedAt}");
        }
    }

    private static string Holders(List<int> partitions) =>
        partitions.Count == 1 ? $"partition {partitions[0]} holds" : $"partitions {string.Join(", ", partitions)} hold";
}
