using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace LiveVote.Server.Security.Risk;

/// <summary>
/// 64-bit keys for the counters and limiter partitions: a fast multiply-xorshift hash with a per-process random seed.
/// Not cryptographic; the seed only keeps anyone from precomputing keys that collide in our tables. Keys never leave
/// the process, so they need not agree between nodes or restarts.
/// </summary>
public static class KeyHasher
{
    private const ulong Multiplier = 0x9E37_79B9_7F4A_7C15;
    private static readonly ulong Seed = BinaryPrimitives.ReadUInt64LittleEndian(RandomNumberGenerator.GetBytes(8));

    public static ulong Hash(ReadOnlySpan<byte> data, ulong purpose)
    {
        var h = Seed ^ Finish(purpose + ((ulong)data.Length * Multiplier));
        while (data.Length >= 8)
        {
            h = Mix(h ^ BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        ulong tail = 0x80;
        for (var i = 0; i < data.Length; i++)
        {
            tail = (tail << 8) | data[i];
        }

        return Finish(Mix(h ^ tail));
    }

    public static ulong Hash(ReadOnlySpan<char> text, ulong purpose) => Hash(MemoryMarshal.AsBytes(text), purpose);

    public static ulong Hash(UInt128 value, ulong purpose)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128LittleEndian(bytes, value);
        return Hash(bytes, purpose);
    }

    /// <summary>A key made of two keys (order matters).</summary>
    public static ulong Combine(ulong first, ulong second) => Finish(Mix(first ^ Seed) ^ Mix(second + Multiplier));

    private static ulong Mix(ulong x)
    {
        x *= Multiplier;
        return x ^ (x >> 29);
    }

    /// <summary>The splitmix64 finaliser: every input bit affects every output bit.</summary>
    private static ulong Finish(ulong x)
    {
        x = (x ^ (x >> 30)) * 0xBF58_476D_1CE4_E5B9;
        x = (x ^ (x >> 27)) * 0x94D0_49BB_1331_11EB;
        return x ^ (x >> 31);
    }
}
