using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>One audit row as stored, with blobs as lower-case hex.</summary>
public sealed record AuditRow(long Seq, string Kind, string? PollId, string? VoterKey, string? OptionId, long AtUnixMs, string? Data, string PrevHash, string Hash);

/// <summary>
/// Reads the server's SQLite file directly, read-only and unpooled (so no handle outlives the call), to check what is
/// really durable instead of what the API says.
/// </summary>
public static class StoreFile
{
    public static SqliteConnection OpenReadOnly(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        connection.Open();
        return connection;
    }

    public static long CountVotes(string path, string pollId)
    {
        using var connection = OpenReadOnly(path);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM votes WHERE poll_id = $poll";
        command.Parameters.AddWithValue("$poll", pollId);
        return (long)command.ExecuteScalar()!;
    }

    public static Dictionary<string, long> Tallies(string path, string pollId)
    {
        using var connection = OpenReadOnly(path);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT option_id, count FROM tallies WHERE poll_id = $poll";
        command.Parameters.AddWithValue("$poll", pollId);
        using var reader = command.ExecuteReader();
        var tallies = new Dictionary<string, long>(StringComparer.Ordinal);
        while (reader.Read())
        {
            tallies[reader.GetString(0)] = reader.GetInt64(1);
        }

        return tallies;
    }

    public static List<AuditRow> ReadAudit(string path)
    {
        using var connection = OpenReadOnly(path);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, kind, poll_id, voter_key, option_id, at, data, prev_hash, hash FROM audit ORDER BY seq";
        using var reader = command.ExecuteReader();
        var rows = new List<AuditRow>();
        while (reader.Read())
        {
            rows.Add(new AuditRow(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : Convert.ToHexStringLower((byte[])reader.GetValue(3)),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.GetInt64(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                Convert.ToHexStringLower((byte[])reader.GetValue(7)),
                Convert.ToHexStringLower((byte[])reader.GetValue(8))));
        }

        return rows;
    }

    /// <summary>Everything stored, as text: two equal fingerprints mean nothing was written in between.</summary>
    public static string Fingerprint(string path)
    {
        using var connection = OpenReadOnly(path);
        var text = new StringBuilder();
        foreach (var sql in new[]
                 {
                     "SELECT * FROM polls ORDER BY id",
                     "SELECT count(*), coalesce(max(seq), 0) FROM votes",
                     "SELECT poll_id, option_id, count FROM tallies ORDER BY poll_id, option_id",
                     "SELECT count(*), coalesce(max(seq), 0), (SELECT hex(hash) FROM audit ORDER BY seq DESC LIMIT 1) FROM audit",
                 })
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    text.Append(reader.IsDBNull(i) ? "null" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)).Append('|');
                }

                text.Append('\n');
            }

            text.Append("--\n");
        }

        return text.ToString();
    }
}
