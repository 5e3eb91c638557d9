namespace LiveVote.Server.Storage;

/// <summary>
/// Each store partition's last good tallies and when they were read; what a node publishes is their sum. A partition
/// that does not answer (its cluster in failover) keeps its last good part, so the sum never goes down, and is named
/// stale once its read is older than the staleness limit. A part never goes down either: a cluster read after a
/// failover could momentarily hold fewer (an unacknowledged commit lost with the old primary, retried soon after), and
/// a count on air must not move backwards.
/// </summary>
internal sealed class PartitionTotals
{
    private readonly Dictionary<string, long[]>[] _parts;
    private readonly long?[] _readAt;

    public PartitionTotals(int partitions)
    {
        _parts = [.. Enumerable.Range(0, partitions).Select(_ => new Dictionary<string, long[]>(StringComparer.Ordinal))];
        _readAt = new long?[partitions];
    }

    /// <summary>Partition <paramref name="partition"/>'s tallies as read at <paramref name="timestamp"/> (a <see cref="TimeProvider"/> timestamp).</summary>
    public void Read(int partition, IReadOnlyDictionary<string, long[]> tallies, long timestamp)
    {
        var part = _parts[partition];
        foreach (var (pollId, read) in tallies)
        {
            if (!part.TryGetValue(pollId, out var held) || held.Length < read.Length)
            {
                var grown = new long[read.Length];
                held?.CopyTo(grown, 0);
                part[pollId] = held = grown;
            }

            for (var i = 0; i < read.Length; i++)
            {
                held[i] = Math.Max(held[i], read[i]);
            }
        }

        _readAt[partition] = timestamp;
    }

    /// <summary>The poll's totals over its first <paramref name="partitions"/> partitions (the ones its voters are spread over).</summary>
    public long[] Sum(string pollId, int options, int partitions)
    {
        var sum = new long[options];
        for (var p = 0; p < Math.Min(partitions, _parts.Length); p++)
        {
            if (_parts[p].TryGetValue(pollId, out var part))
            {
                for (var i = 0; i < Math.Min(options, part.Length); i++)
                {
                    sum[i] += part[i];
                }
            }
        }

        return sum;
    }

    /// <summary>Of the first <paramref name="partitions"/>, those never read or last read longer than <paramref name="limit"/> before <paramref name="now"/>; null when none.</summary>
    public IReadOnlyList<int>? Stale(int partitions, long now, TimeProvider time, TimeSpan limit)
    {
        List<int>? stale = null;
        for (var p = 0; p < Math.Min(partitions, _readAt.Length); p++)
        {
            if (_readAt[p] is not { } at || time.GetElapsedTime(at, now) > limit)
            {
                (stale ??= []).Add(p);
            }
        }

        return stale;
    }
}
