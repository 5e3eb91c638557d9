using System.Data.Common;
using LiveVote.Server.Polls;

namespace LiveVote.Server.Storage;

/// <summary>The <c>polls</c> row as both stores keep it, read back into a <see cref="Poll"/>.</summary>
internal static class PollRows
{
    /// <summary>Columns in the order <see cref="Read"/> expects them.</summary>
    public const string Columns = "id, title, options, status, created_at, opened_at, closed_at";

    public static Poll Read(DbDataReader reader)
    {
        if (!Poll.TryParseStatus(reader.GetString(3), out var status))
        {
            throw new InvalidDataException($"Poll {reader.GetString(0)} has an unknown status.");
        }

        return new Poll(
            reader.GetString(0),
            reader.GetString(1),
            [.. StorageJsonContext.ParseOptions(reader.GetString(2))],
            status,
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
            reader.IsDBNull(5) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
            reader.IsDBNull(6) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)));
    }
}
