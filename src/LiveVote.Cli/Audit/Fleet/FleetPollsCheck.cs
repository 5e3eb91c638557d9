namespace LiveVote.Cli.Audit.Fleet;

/// <summary>
/// A poll lives in every partition it is spread over (0 .. partition_count - 1) and only there, with the same definition
/// (title, options, partition_count, created_at) in each: poll changes fan out to those clusters, and a poll's
/// partition_count decides where each of its voters lives. (A poll created before a cluster was added is never copied
/// into the new one.) Only the status may differ, while a change is still fanning out (or one has not yet reached a
/// cluster that was failing over): that is a warning, since the votes each cluster accepted are judged by that
/// cluster's own chain.
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
            var spread = reference.PartitionCount;
            partitionCounts[id] = spread;
            for (var i = 0; i < clusters.Count; i++)
            {
                if (clusters[i] is not { } polls)
                {
                    continue;
                }

                if (!polls.TryGetValue(id, out var row))
                {
                    if (i < spread)
                    {
                        problems.InPartition(i, null, id,
                            $"polls table has no row for this poll, which {Holders(holding)}: its changes fan out to every partition it is spread over ({spread})");
                    }
                }
                else if (i >= spread)
                {
                    problems.InPartition(i, null, id,
                        $"polls table has a row for this poll, but it is spread over partitions 0..{spread - 1} only: a poll is never copied into a partition beyond its spread");
                }
                else if (i != first)
                {
                    CompareDefinition(i, first, reference, row, problems);
                }
            }

            if (spread > clusters.Count)
            {
                problems.InPartition(null, null, id,
                    $"spread over {spread} partitions, but the command line gives {clusters.Count} clusters: the votes of the missing partitions are not checked");
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
