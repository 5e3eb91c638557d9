namespace LiveVote.Server.Votes;

/// <summary>
/// Which store partition (PostgreSQL cluster) owns a voter: jump consistent hash (Lamping and Veach, 2014, "A Fast,
/// Minimal Memory, Consistent Hash Algorithm") of the voter key's first 8 bytes. Pure arithmetic, so every node and
/// every process computes the same answer; never <see cref="string.GetHashCode()"/>, which differs per process.
/// <list type="bullet">
/// <item>Uniform: the key is an HMAC output, so its first 64 bits are already uniformly distributed.</item>
/// <item>Minimal movement: going from N to N+1 partitions moves about 1/(N+1) of the voters, and only into the new
/// partition N; nobody moves between old partitions.</item>
/// </list>
/// Dedup is per (poll, voter) inside one partition, so a poll routes with the partition count recorded when it was
/// created (<see cref="Polls.Poll.PartitionCount"/>) for its whole life: clusters are added between polls.
/// </summary>
public static class VoterPartitioner
{
    /// <summary>Most partitions a poll can be spread over: far beyond the 12 clusters the capacity model (design.md section 11) sizes for 250k votes/s.</summary>
    public const int MaxPartitions = 1024;

    /// <summary>The partition, 0 .. <paramref name="partitionCount"/> - 1, that owns <paramref name="key"/>.</summary>
    public static int PartitionOf(VoterKey key, int partitionCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitionCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(partitionCount, MaxPartitions);
        return JumpHash(key.High, partitionCount);
    }

    /// <summary>
    /// The published algorithm, unchanged: a 64-bit linear congruential step decides how far the key jumps; the
    /// last bucket it lands in below <paramref name="buckets"/> is its bucket.
    /// </summary>
    internal static int JumpHash(ulong key, int buckets)
    {
        long bucket = -1;
        long next = 0;
        while (next < buckets)
        {
            bucket = next;
            key = unchecked((key * 2862933555777941757UL) + 1);
            next = (long)((bucket + 1) * ((double)(1L << 31) / ((key >> 33) + 1)));
        }

        return (int)bucket;
    }
}
