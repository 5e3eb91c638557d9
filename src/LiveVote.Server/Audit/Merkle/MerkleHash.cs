using System.Buffers;
using System.Security.Cryptography;
using LiveVote.Server.Security.Hashing;

namespace LiveVote.Server.Audit.Merkle;

/// <summary>
/// RFC 9162 (Certificate Transparency 2.0) section 2.1.1 hashing: a leaf is <c>SHA-256(0x00 || data)</c>, an interior
/// node <c>SHA-256(0x01 || left || right)</c>, the empty tree <c>SHA-256("")</c>. The distinct prefixes keep a leaf from
/// ever being passed off as a node (second-preimage resistance). A LiveVote leaf's data is its audit entry's 32-byte hash.
/// </summary>
public static class MerkleHash
{
    /// <summary>
    /// Levels stored as rows (tiles of 2^8, as in C2SP tlog-tiles): a proof then reads at most a few runs of 256 hashes per
    /// eight levels, and the stored nodes add 1/255 of the leaves' count. Every other level is recomputed from the one below.
    /// </summary>
    public const int TileHeight = 8;

    public static Sha256Hash EmptyRoot { get; } = Sha256Hash.Read(SHA256.HashData(ReadOnlySpan<byte>.Empty));

    public static bool IsStoredLevel(int level) => level > 0 && level % TileHeight == 0;

    /// <summary>The leaf hash of an audit entry: <c>SHA-256(0x00 || entryHash)</c>.</summary>
    public static Sha256Hash Leaf(in Sha256Hash entryHash)
    {
        Span<byte> input = stackalloc byte[1 + Sha256Hash.Size];
        input[0] = 0x00;
        entryHash.Write(input[1..]);
        Span<byte> hash = stackalloc byte[Sha256Hash.Size];
        Sha256.HashData(input, hash);
        return Sha256Hash.Read(hash);
    }

    /// <summary>The leaf hash of arbitrary data (the published test vectors hash leaves of any length).</summary>
    public static Sha256Hash LeafOfData(ReadOnlySpan<byte> data)
    {
        var rented = ArrayPool<byte>.Shared.Rent(data.Length + 1);
        try
        {
            rented[0] = 0x00;
            data.CopyTo(rented.AsSpan(1));
            Span<byte> hash = stackalloc byte[Sha256Hash.Size];
            Sha256.HashData(rented.AsSpan(0, data.Length + 1), hash);
            return Sha256Hash.Read(hash);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public static Sha256Hash Node(in Sha256Hash left, in Sha256Hash right)
    {
        Span<byte> input = stackalloc byte[1 + 2 * Sha256Hash.Size];
        input[0] = 0x01;
        left.Write(input[1..]);
        right.Write(input[(1 + Sha256Hash.Size)..]);
        Span<byte> hash = stackalloc byte[Sha256Hash.Size];
        Sha256.HashData(input, hash);
        return Sha256Hash.Read(hash);
    }

    /// <summary>The largest power of two strictly smaller than <paramref name="n"/> (n &gt; 1): RFC 9162's split point k.</summary>
    internal static long SplitPoint(long n) => 1L << (63 - System.Numerics.BitOperations.LeadingZeroCount((ulong)(n - 1)));
}

/// <summary>A stored interior node: the root of the complete subtree over leaves [Index * 2^Level, (Index + 1) * 2^Level).</summary>
public readonly record struct MerkleNode(int Level, long Index, Sha256Hash Hash);

/// <summary>One log: a poll's entries in one writer chain of one store (the store is the partition).</summary>
public readonly record struct MerkleLogId(string PollId, int Chain);
