using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace LiveVote.Server.Storage.Sqlite;

/// <summary>
/// A prepared statement driven through SQLitePCL, on the connection Microsoft.Data.Sqlite opened (and inside its
/// transaction). For the two inserts every accepted vote makes: Microsoft.Data.Sqlite allocates a binder per parameter
/// per execution and boxes every number, which was 13% of the bytes the vote path allocated (bench/README.md); binding
/// here allocates nothing. Values are copied by SQLite when bound (SQLITE_TRANSIENT), so spans on the stack are fine.
/// </summary>
internal sealed class SqliteStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    public SqliteStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v2(_db, sql, out _statement), _db);
    }

    public void Bind(int index, long value) => Check(raw.sqlite3_bind_int64(_statement, index, value));

    public void BindBlob(int index, ReadOnlySpan<byte> value) => Check(raw.sqlite3_bind_blob(_statement, index, value));

    /// <summary>Binds UTF-8 text (see <see cref="Utf8Names"/>). An empty span would reach SQLite as a NULL pointer, which
    /// binds NULL: empty text goes through the string overload, which stays ''.</summary>
    public void BindText(int index, ReadOnlySpan<byte> utf8) =>
        Check(utf8.IsEmpty ? raw.sqlite3_bind_text(_statement, index, "") : raw.sqlite3_bind_text(_statement, index, utf8));

    public void BindNull(int index) => Check(raw.sqlite3_bind_null(_statement, index));

    /// <summary>Runs the statement to completion and readies it for the next binding; throws SqliteException on failure.</summary>
    public void Execute()
    {
        var result = raw.sqlite3_step(_statement);
        raw.sqlite3_reset(_statement);
        if (result != raw.SQLITE_DONE)
        {
            SqliteException.ThrowExceptionForRC(result, _db);
        }
    }

    public void Dispose() => _statement.Dispose();

    private void Check(int result)
    {
        if (result != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(result, _db);
        }
    }
}

/// <summary>
/// UTF-8 bytes of the few strings the writer binds over and over (poll ids, option ids, audit kinds), encoded once.
/// Only the writer thread uses it; it grows with polls and options, never with votes.
/// </summary>
internal sealed class Utf8Names
{
    private readonly Dictionary<string, byte[]> _bytes = new(StringComparer.Ordinal);

    public ReadOnlySpan<byte> Of(string value)
    {
        if (!_bytes.TryGetValue(value, out var bytes))
        {
            bytes = System.Text.Encoding.UTF8.GetBytes(value);
            _bytes[value] = bytes;
        }

        return bytes;
    }
}
