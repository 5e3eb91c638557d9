using System.Buffers.Binary;

namespace LiveVote.Cli.Audit.Fleet;

/// <summary>
/// Which partition (cluster) a voter's votes must live in: the jump consistent hash (Lamping and Veach, 2014, "A Fast,
/// Minimal Memory, Consistent Hash Algorithm") of the voter key's first 8 bytes read big-endian, over the poll's
/// recorded partition count (docs/design.md, section 11).
/// <para>
/// Written again here from the published algorithm on purpose: this project does NOT reference LiveVote.Server. If the
/// server's partitioner were wrong, a verifier sharing it would agree with every misplaced vote.
/// </para>
/// </summary>
internal static class VoterPlacement
{
    /// <summary>How many bytes of the key are hashed.</summary>
    public const int HashedBytes = 8;

    /// <summary>The partition, 0 .. <paramref name="partitionCount"/> - 1, that owns the key; null when the key is too short to place.</summary>
    public static int? PartitionOf(ReadOnlySpan<byte> voterKey, int partitionCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitionCount, 1);
        return voterKey.Length < HashedBytes ? null : JumpHash(BinaryPrimitives.ReadUInt64BigEndian(voterKey), partitionCount);
    }

    /// <summary>
    /// The paper's algorithm, step for step: a 64-bit linear congruential step decides how far the key jumps; the last
    /// bucket it lands in below <paramref name="buckets"/> is its bucket.
    /// </summary>
    public static int JumpHash(ulong key, int buckets)
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
