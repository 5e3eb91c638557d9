using System.Buffers.Binary;
using System.Data.Common;

namespace LiveVote.Cli.Audit;

/// <summary>Reads stored values without trusting their types: a tampered column is a problem to report, not a crash.</summary>
internal static class StoredValue
{
    public const int VoterKeySize = 16;

    public static string? Text(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static byte[]? Blob(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetValue(ordinal) as byte[];

    /// <summary>A voter key as a value fit for a dedup set (16 bytes, big-endian).</summary>
    public static UInt128 Voter(byte[] key) => BinaryPrimitives.ReadUInt128BigEndian(key);
}
