using System.Data.Common;
using LiveVote.Server.Audit;
using LiveVote.Server.Votes;

namespace LiveVote.Server.Storage;

/// <summary>The <c>audit</c> row as both stores keep it, read back into an <see cref="AuditEntry"/>.</summary>
internal static class AuditRows
{
    /// <summary>Columns in the order <see cref="Read"/> expects them; a store may select its own columns after them.</summary>
    public const string Columns = "seq, kind, poll_id, voter_key, option_id, at, data, prev_hash, hash, leaf";

    public static AuditEntry Read(DbDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetString(1),
        reader.IsDBNull(2) ? null : reader.GetString(2),
        reader.IsDBNull(3) ? null : VoterKey.Read(reader.GetFieldValue<byte[]>(3)),
        reader.IsDBNull(4) ? null : reader.GetString(4),
        reader.GetInt64(5),
        reader.IsDBNull(6) ? null : reader.GetString(6),
        Sha256Hash.Read(reader.GetFieldValue<byte[]>(7)),
        Sha256Hash.Read(reader.GetFieldValue<byte[]>(8)))
    {
        Leaf = reader.IsDBNull(9) ? -1 : reader.GetInt64(9),
    };

    /// <summary>Reads every row the command selects, at most <paramref name="limit"/>, each finished by <paramref name="complete"/>.</summary>
    public static async Task<IReadOnlyList<AuditEntry>> ReadAllAsync(
        DbCommand command, int limit, Func<DbDataReader, AuditEntry, AuditEntry> complete, CancellationToken cancellationToken)
    {
        var entries = new List<AuditEntry>(Math.Min(limit, 1024));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(complete(reader, Read(reader)));
        }

        return entries;
    }
}
