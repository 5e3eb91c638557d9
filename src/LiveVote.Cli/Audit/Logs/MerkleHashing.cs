using System.Security.Cryptography;

namespace LiveVote.Cli.Audit.Logs;

/// <summary>
/// RFC 9162 section 2.1.1 hashing, written here from the RFC and NOT shared with the server (an auditor's tool must not
/// share the code it checks): a leaf is <c>SHA-256(0x00 || data)</c> (LiveVote's data is the 32-byte audit entry
/// hash, the receipt), an interior node <c>SHA-256(0x01 || left || right)</c>, the empty tree <c>SHA-256("")</c>.
/// </summary>
internal static class MerkleHashing
{
    public const int HashSize = 32;

    public static byte[] EmptyRoot { get; } = SHA256.HashData(ReadOnlySpan<byte>.Empty);

    public static byte[] Leaf(ReadOnlySpan<byte> data)
    {
        // Entry hashes are 32 bytes; anything else (a tampered column) is hashed as it is, and will not match.
        var buffer = data.Length <= 256 ? stackalloc byte[1 + data.Length] : new byte[1 + data.Length];
        buffer[0] = 0x00;
        data.CopyTo(buffer[1..]);
        return SHA256.HashData(buffer);
    }

    public static byte[] Node(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        Span<byte> buffer = stackalloc byte[1 + (2 * HashSize)];
        buffer[0] = 0x01;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[(1 + HashSize)..]);
        return SHA256.HashData(buffer);
    }
}
