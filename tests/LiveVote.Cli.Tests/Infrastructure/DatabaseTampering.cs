using LiveVote.Server.Audit;
using LiveVote.Server.Votes;
using Microsoft.Data.Sqlite;

namespace LiveVote.Cli.Tests.Infrastructure;

/// <summary>
/// What someone with write access to the file could do to it. The forging helpers re-hash with the SERVER's hashing
/// code (the tests may reference it; the CLI may not), so a forged entry links correctly into the chain and only the
/// verifier's replay of the rules can catch it.
/// </summary>
public static class DatabaseTampering
{
    public static void Execute(string databasePath, string sql)
    {
        using var connection = Open(databasePath);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public static long HeadSeq(string databasePath)
    {
        using var connection = Open(databasePath);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT max(seq) FROM audit";
        return (long)command.ExecuteScalar()!;
    }

    public static byte[] VoterKeyOf(string databasePath, long voteSeq)
    {
        using var connection = Open(databasePath);
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT voter_key FROM votes WHERE seq = {voteSeq}";
        return (byte[])command.ExecuteScalar()!;
    }

    /// <summary>
    /// Appends a vote as the server would write it: a correctly linked and hashed audit entry, a votes row and a tally
    /// increment. Returns its seq.
    /// </summary>
    public static long AppendForgedVote(string databasePath, string pollId, byte[] voterKey, string optionId)
    {
        using var connection = Open(databasePath);
        var (headSeq, headHash, at) = Head(connection);
        var seq = headSeq + 1;
        var hash = AuditEntry.ComputeHash(seq, AuditKinds.Vote, pollId, VoterKey.Read(voterKey), optionId, at, null, headHash);
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO audit (seq, kind, poll_id, voter_key, option_id, at, data, prev_hash, hash) VALUES ($seq, 'vote', $poll, $key, $option, $at, NULL, $prev, $hash);
            INSERT INTO votes (seq, poll_id, voter_key, option_id) VALUES ($seq, $poll, $key, $option);
            INSERT INTO tallies (poll_id, option_id, count) VALUES ($poll, $option, 1) ON CONFLICT (poll_id, option_id) DO UPDATE SET count = count + 1;
            """;
        command.Parameters.AddWithValue("$seq", seq);
        command.Parameters.AddWithValue("$poll", pollId);
        command.Parameters.AddWithValue("$key", voterKey);
        command.Parameters.AddWithValue("$option", optionId);
        command.Parameters.AddWithValue("$at", at);
        command.Parameters.AddWithValue("$prev", headHash.ToArray());
        command.Parameters.AddWithValue("$hash", hash.ToArray());
        command.ExecuteNonQuery();
        return seq;
    }

    /// <summary>Appends a correctly linked and hashed audit entry of any kind, touching no other table. Returns its seq.</summary>
    public static long AppendForgedEntry(string databasePath, string kind, string? pollId, byte[]? voterKey, string? optionId, string? data)
    {
        using var connection = Open(databasePath);
        var (headSeq, headHash, at) = Head(connection);
        var seq = headSeq + 1;
        var hash = AuditEntry.ComputeHash(seq, kind, pollId, voterKey is null ? null : VoterKey.Read(voterKey), optionId, at, data, headHash);
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO audit (seq, kind, poll_id, voter_key, option_id, at, data, prev_hash, hash) VALUES ($seq, $kind, $poll, $key, $option, $at, $data, $prev, $hash)
            """;
        command.Parameters.AddWithValue("$seq", seq);
        command.Parameters.AddWithValue("$kind", kind);
        command.Parameters.AddWithValue("$poll", (object?)pollId ?? DBNull.Value);
        command.Parameters.AddWithValue("$key", (object?)voterKey ?? DBNull.Value);
        command.Parameters.AddWithValue("$option", (object?)optionId ?? DBNull.Value);
        command.Parameters.AddWithValue("$at", at);
        command.Parameters.AddWithValue("$data", (object?)data ?? DBNull.Value);
        command.Parameters.AddWithValue("$prev", headHash.ToArray());
        command.Parameters.AddWithValue("$hash", hash.ToArray());
        command.ExecuteNonQuery();
        NumberLeaf(connection, seq);
        return seq;
    }

    /// <summary>
    /// Where the database has Merkle logs (the <c>leaf</c> column), gives an appended entry with a poll the leaf index the
    /// server's writer would (the number of earlier entries of its poll), so only what the test means to forge is wrong.
    /// </summary>
    private static void NumberLeaf(SqliteConnection connection, long seq)
    {
        using var has = connection.CreateCommand();
        has.CommandText = "SELECT count(*) FROM pragma_table_info('audit') WHERE name = 'leaf'";
        if ((long)has.ExecuteScalar()! == 0)
        {
            return;
        }

        using var number = connection.CreateCommand();
        number.CommandText = $"UPDATE audit SET leaf = (SELECT count(*) FROM audit a2 WHERE a2.poll_id = audit.poll_id AND a2.seq < audit.seq) WHERE seq = {seq} AND poll_id IS NOT NULL";
        number.ExecuteNonQuery();
    }

    /// <summary>Changes a vote's option in the audit entry and re-hashes it and every later link, so the chain holds.</summary>
    public static void RewriteVoteAndRehashChain(string databasePath, long voteSeq, string newOptionId)
    {
        using var connection = Open(databasePath);
        using var transaction = connection.BeginTransaction();
        using (var update = connection.CreateCommand())
        {
            update.Transaction = transaction;
            update.CommandText = $"UPDATE audit SET option_id = $option WHERE seq = {voteSeq}";
            update.Parameters.AddWithValue("$option", newOptionId);
            update.ExecuteNonQuery();
        }

        var entries = new List<(long Seq, string Kind, string? Poll, byte[]? Key, string? Option, long At, string? Data)>();
        using (var select = connection.CreateCommand())
        {
            select.Transaction = transaction;
            select.CommandText = $"SELECT seq, kind, poll_id, voter_key, option_id, at, data FROM audit WHERE seq >= {voteSeq} ORDER BY seq";
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                entries.Add((reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.IsDBNull(3) ? null : (byte[])reader.GetValue(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                    reader.GetInt64(5), reader.IsDBNull(6) ? null : reader.GetString(6)));
            }
        }

        Sha256Hash prev;
        using (var previous = connection.CreateCommand())
        {
            previous.Transaction = transaction;
            previous.CommandText = $"SELECT hash FROM audit WHERE seq = {voteSeq - 1}";
            prev = Sha256Hash.Read((byte[])previous.ExecuteScalar()!);
        }

        foreach (var e in entries)
        {
            var hash = AuditEntry.ComputeHash(e.Seq, e.Kind, e.Poll, e.Key is null ? null : VoterKey.Read(e.Key), e.Option, e.At, e.Data, prev);
            using var write = connection.CreateCommand();
            write.Transaction = transaction;
            write.CommandText = $"UPDATE audit SET prev_hash = $prev, hash = $hash WHERE seq = {e.Seq}";
            write.Parameters.AddWithValue("$prev", prev.ToArray());
            write.Parameters.AddWithValue("$hash", hash.ToArray());
            write.ExecuteNonQuery();
            prev = hash;
        }

        transaction.Commit();
    }

    private static (long Seq, Sha256Hash Hash, long At) Head(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, hash, at FROM audit ORDER BY seq DESC LIMIT 1";
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), Sha256Hash.Read((byte[])reader.GetValue(1)), reader.GetInt64(2) + 1);
    }

    private static SqliteConnection Open(string databasePath)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }
}
