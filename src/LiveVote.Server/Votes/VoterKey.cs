using System.Buffers.Binary;
using System.Text;
using LiveVote.Server.Security.Tokens;

namespace LiveVote.Server.Votes;

/// <summary>
/// The pseudonym a vote is stored under: the first 128 bits of HMAC-SHA256(secret, viewerId). Raw viewer ids are never
/// stored with votes. 128 bits keeps the dedup index and every stored row small while a collision among 300 million
/// viewers stays below 10^-19 (birthday bound n^2 / 2^129).
/// </summary>
public readonly record struct VoterKey(ulong High, ulong Low)
{
    public const int Size = 16;

    public static VoterKey Read(ReadOnlySpan<byte> bytes) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, High);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], Low);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        Write(bytes);
        return bytes;
    }

    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Size];
        Write(bytes);
        return Convert.ToHexStringLower(bytes);
    }
}

/// <summary>
/// Derives voter keys with the fleet's shared secret, so one viewer has the same key on every node. The secret's keyed
/// HMAC contexts are reused (<see cref="KeyedHmac"/>): a key is derived on every vote of a poll from before per-poll secrets.
/// </summary>
public sealed class VoterKeyDeriver(byte[] secret)
{
    private readonly KeyedHmac _mac = new(secret.Length >= 32
        ? secret
        : throw new ArgumentException("The voter-key secret must be at least 32 bytes.", nameof(secret)));

    public VoterKey Derive(string viewerId)
    {
        // The whole id counts: an external issuer's ids ("issuer|sub") run past 64 characters, and cutting them would
        // merge different viewers into one voter key.
        var maxBytes = Encoding.UTF8.GetMaxByteCount(viewerId.Length);
        Span<byte> input = maxBytes <= 256 ? stackalloc byte[256] : new byte[maxBytes];
        var length = Encoding.UTF8.GetBytes(viewerId, input);
        return Derive(input[..length]);
    }

    /// <summary>The key of the viewer whose id is <paramref name="viewerIdUtf8"/> (its UTF-8 bytes): as <see cref="Derive(string)"/>.</summary>
    public VoterKey Derive(ReadOnlySpan<byte> viewerIdUtf8)
    {
        Span<byte> mac = stackalloc byte[KeyedHmac.MacSize];
        _mac.Compute(viewerIdUtf8, mac);
        return VoterKey.Read(mac);
    }
}
