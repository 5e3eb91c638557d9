using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace LiveVote.Cli.Tests.Audit.Logs;

/// <summary>One poll's log in one chain as a test reads it from a database: the entries' hashes, seqs and times.</summary>
public sealed record TestLog(string PollId, int Partition, int Chain, List<byte[]> Hashes, List<long> Seqs, List<long> Times, List<string> Kinds)
{
    public string Name => $"{Partition}.{Chain}";

    public string CheckpointBody(int size) =>
        $"{TestLogSigner.Origin}/poll/{PollId}/{Name}\n{size}\n{Convert.ToBase64String(ReferenceMerkle.Root(Hashes, size))}\ntime {Times[size - 1]}\n";
}

/// <summary>
/// Gives a database what the server's signed logs give it (docs/design.md 7.6; the tables of issue 17): the <c>leaf</c>
/// column, <c>signed_heads</c> with checkpoints signed every <c>step</c> leaves and at each log's end, and
/// <c>poll_results</c>. Where a table or column already exists (a server that writes them) it is kept.
/// </summary>
public sealed class SignedLogs(DbConnection connection, bool postgres, int partition = 0) : IDisposable
{
    public void Dispose() => connection.Dispose();

    public static SignedLogs Sqlite(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        return new SignedLogs(connection, postgres: false);
    }

    public static SignedLogs Postgres(string connectionString, int partition = 0)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        connection.Open();
        return new SignedLogs(connection, postgres: true, partition);
    }

    public DbConnection Connection => connection;

    private string Chain => postgres ? "writer_id" : "chain";

    /// <summary>Adds the tables and the leaf column (backfilled as the contract says) where missing.</summary>
    public void EnsureTables()
    {
        if (postgres)
        {
            Execute("""
                ALTER TABLE audit ADD COLUMN IF NOT EXISTS leaf bigint;
                UPDATE audit a SET leaf = r.n FROM (SELECT writer_id, seq, ROW_NUMBER() OVER (PARTITION BY poll_id, writer_id ORDER BY seq) - 1 AS n FROM audit WHERE poll_id IS NOT NULL) r
                    WHERE a.writer_id = r.writer_id AND a.seq = r.seq AND a.leaf IS NULL;
                CREATE TABLE IF NOT EXISTS signed_heads (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, poll_id text NOT NULL, writer_id integer NOT NULL, size bigint NOT NULL, root bytea NOT NULL, at bigint NOT NULL, note text NOT NULL);
                CREATE TABLE IF NOT EXISTS poll_results (poll_id text PRIMARY KEY, at bigint NOT NULL, statement text NOT NULL);
                """);
            return;
        }

        if (Scalar("SELECT count(*) FROM pragma_table_info('audit') WHERE name = 'leaf'") == 0)
        {
            Execute("""
                ALTER TABLE audit ADD COLUMN leaf INTEGER;
                UPDATE audit SET leaf = (SELECT count(*) FROM audit a2 WHERE a2.poll_id = audit.poll_id AND a2.seq < audit.seq) WHERE poll_id IS NOT NULL;
                """);
        }

        Execute("""
            CREATE TABLE IF NOT EXISTS signed_heads (id INTEGER PRIMARY KEY, poll_id TEXT NOT NULL, chain INTEGER NOT NULL, size INTEGER NOT NULL, root BLOB NOT NULL, at INTEGER NOT NULL, note TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS poll_results (poll_id TEXT PRIMARY KEY, at INTEGER NOT NULL, statement TEXT NOT NULL);
            """);
    }

    /// <summary>Every poll's log in every chain, as stored now.</summary>
    public List<TestLog> ReadLogs()
    {
        var logs = new Dictionary<(string, int), TestLog>();
        using var command = connection.CreateCommand();
        command.CommandText = postgres
            ? "SELECT poll_id, writer_id, seq, hash, at, kind FROM audit WHERE poll_id IS NOT NULL ORDER BY writer_id, seq"
            : "SELECT poll_id, 0, seq, hash, at, kind FROM audit WHERE poll_id IS NOT NULL ORDER BY seq";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var key = (reader.GetString(0), Convert.ToInt32(reader.GetValue(1), CultureInfo.InvariantCulture));
            if (!logs.TryGetValue(key, out var log))
            {
                logs[key] = log = new TestLog(key.Item1, partition, key.Item2, [], [], [], []);
            }

            log.Hashes.Add((byte[])reader.GetValue(3));
            log.Seqs.Add(reader.GetInt64(2));
            log.Times.Add(reader.GetInt64(4));
            log.Kinds.Add(reader.GetString(5));
        }

        return [.. logs.Values];
    }

    /// <summary>Signs a head of every log every <paramref name="step"/> leaves and at its end; stores and returns the notes.</summary>
    public List<string> SignHeads(TestLogSigner signer, int step)
    {
        var notes = new List<string>();
        foreach (var log in ReadLogs())
        {
            var sizes = Enumerable.Range(1, log.Hashes.Count).Where(s => s % step == 0 || s == log.Hashes.Count);
            foreach (var size in sizes)
            {
                notes.Add(StoreHead(log, size, signer.Sign(log.CheckpointBody(size))));
            }
        }

        return notes;
    }

    public string StoreHead(TestLog log, int size, string note)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"INSERT INTO signed_heads (poll_id, {Chain}, size, root, at, note) VALUES (@poll, @chain, @size, @root, @at, @note)";
        Add(command, "poll", log.PollId);
        Add(command, "chain", log.Chain);
        Add(command, "size", (long)size);
        Add(command, "root", ReferenceMerkle.Root(log.Hashes, size));
        Add(command, "at", log.Times[size - 1]);
        Add(command, "note", note);
        command.ExecuteNonQuery();
        return note;
    }

    /// <summary>The signed result statement of a poll over the given logs (every partition's) at their current sizes.</summary>
    public static string Statement(TestLogSigner signer, string pollId, IReadOnlyList<(string Option, long Count)> options, IEnumerable<TestLog> logs)
    {
        var body = new System.Text.StringBuilder();
        body.Append(CultureInfo.InvariantCulture, $"{TestLogSigner.Origin}/poll/{pollId}/result\nclosed 1700000000000\ntotal {options.Sum(o => o.Count)}\n");
        foreach (var (option, count) in options)
        {
            body.Append(CultureInfo.InvariantCulture, $"option {option} {count}\n");
        }

        foreach (var log in logs.Where(l => l.PollId == pollId).OrderBy(l => l.Partition).ThenBy(l => l.Chain))
        {
            body.Append(CultureInfo.InvariantCulture, $"log {log.Name} {log.Hashes.Count} {Convert.ToBase64String(ReferenceMerkle.Root(log.Hashes, log.Hashes.Count))}\n");
        }

        body.Append("time 1700000000001\n");
        return signer.Sign(body.ToString());
    }

    public void StoreStatement(string pollId, string statement)
    {
        using var command = connection.CreateCommand();
        // Replaces a statement the server may have signed already (same key, same figures when honest).
        command.CommandText = "INSERT INTO poll_results (poll_id, at, statement) VALUES (@poll, 1700000000001, @statement) ON CONFLICT (poll_id) DO UPDATE SET statement = excluded.statement";
        Add(command, "poll", pollId);
        Add(command, "statement", statement);
        command.ExecuteNonQuery();
    }

    public void Execute(string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public long Scalar(string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
