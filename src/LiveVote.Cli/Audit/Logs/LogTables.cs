using System.Data.Common;

namespace LiveVote.Cli.Audit.Logs;

/// <summary>A row of <c>signed_heads</c> as stored (untrusted: the note is what was signed, the columns only index it).</summary>
internal sealed record StoredHead(long Id, string? PollId, long? Chain, long? Size, byte[]? Root, string? Note);

/// <summary>An audit entry of a poll, as the log recomputation needs it.</summary>
internal sealed record StoredLeaf(EntryRef Entry, string PollId, string Kind, byte[] Hash, bool HasLeafColumn, long? Leaf);

/// <summary>
/// Each store's SQL for the Merkle logs: <c>signed_heads</c>, <c>poll_results</c> and the audit entries that are leaves
/// (those naming a poll) in (chain, seq) order. A database from before the logs has none of these tables: asked first.
/// The table and column names are constants, never input.
/// </summary>
internal sealed class LogTables(Func<string, DbCommand> command, bool postgres)
{
    public bool Has(string table) => Count(postgres
        ? $"SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '{table}'"
        : $"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}'") > 0;

    public bool HasColumn(string table, string column) => Count(postgres
        ? $"SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '{table}' AND column_name = '{column}'"
        : $"SELECT count(*) FROM pragma_table_info('{table}') WHERE name = '{column}'") > 0;

    public IEnumerable<StoredHead> Heads() => Read(
        $"SELECT id, poll_id, {(postgres ? "writer_id" : "chain")}, size, root, note FROM signed_heads ORDER BY id",
        r => new StoredHead(r.GetInt64(0), Text(r, 1), Long(r, 2), Long(r, 3), StoredValue.Blob(r, 4), Text(r, 5)));

    public IEnumerable<(string? PollId, string? Statement)> Statements() => Read(
        "SELECT poll_id, statement FROM poll_results ORDER BY poll_id", r => (Text(r, 0), Text(r, 1)));

    public IEnumerable<StoredLeaf> Leaves(bool hasLeafColumn)
    {
        var leaf = hasLeafColumn ? "leaf" : "NULL";
        var sql = postgres
            ? $"SELECT writer_id, seq, poll_id, kind, hash, {leaf} FROM audit WHERE poll_id IS NOT NULL ORDER BY writer_id, seq"
            : $"SELECT 0, seq, poll_id, kind, hash, {leaf} FROM audit WHERE poll_id IS NOT NULL ORDER BY seq";
        return Read(sql, r => new StoredLeaf(
            new EntryRef(r.GetInt32(0), r.GetInt64(1)), Text(r, 2) ?? "", Text(r, 3) ?? "", StoredValue.Blob(r, 4) ?? [], hasLeafColumn, Long(r, 5)));
    }

    private long Count(string sql)
    {
        using var query = command(sql);
        return Convert.ToInt64(query.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private IEnumerable<T> Read<T>(string sql, Func<DbDataReader, T> read)
    {
        using var query = command(sql);
        using var reader = query.ExecuteReader();
        while (reader.Read())
        {
            yield return read(reader);
        }
    }

    // SQLite has no column types: a tampered column may hold anything, which is a problem to report, not a crash.
    private static string? Text(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetValue(ordinal) as string;

    private static long? Long(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetValue(ordinal) switch
    {
        long l => l,
        int i => i,
        short s => s,
        _ => null,
    };
}
