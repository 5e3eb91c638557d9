using System.Buffers.Binary;
using Microsoft.Data.Sqlite;

namespace LiveVote.Cli.Audit;

/// <summary>Reads stored values without trusting their types: a tampered column is a problem to report, not a crash.</summary>
internal static class StoredValue
{
    public const int VoterKeySize = 16;

    public static string? Text(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static byte[]? Blob(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetValue(ordinal) as byte[];

    public static bool IsNull(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal);

    /// <summary>A voter key as a value fit for a dedup set (16 bytes, big-endian).</summary>
    public static UInt128 Voter(byte[] key) => BinaryPrimitives.ReadUInt128BigEndian(key);
}
