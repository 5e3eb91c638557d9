using Microsoft.Data.Sqlite;

namespace LiveVote.Cli.Audit;

/// <summary>
/// How the verifier opens a database without changing anything beside it.
/// <para>
/// A LiveVote database is in WAL mode, and SQLite gives a plain read-only connection to such a file a <c>-wal</c> and a
/// <c>-shm</c> file, creating them when the server left none (after a clean stop) and leaving them behind, which also
/// fails on read-only media (an evidence copy). So when no server holds the file (its <c>.lock</c> beside it) and no WAL
/// is left, the file is opened <c>immutable</c>: nothing is created and nothing is locked. A shared lock on the lock file
/// is held meanwhile, so a server cannot start writing under the verifier (it refuses to start while we hold it).
/// Otherwise a server is running or crashed with a WAL to replay: a plain read-only connection reads the committed
/// state through that WAL.
/// </para>
/// </summary>
internal sealed class ReadOnlyDatabase : IDisposable
{
    private readonly FileStream? _sharedLock;

    private ReadOnlyDatabase(string connectionString, FileStream? sharedLock, bool immutable)
    {
        ConnectionString = connectionString;
        _sharedLock = sharedLock;
        Immutable = immutable;
    }

    public string ConnectionString { get; }

    /// <summary>True when opened immutable (no server, no WAL); false when read through a live or leftover WAL.</summary>
    public bool Immutable { get; }

    public static ReadOnlyDatabase Prepare(string fullPath)
    {
        var plain = new SqliteConnectionStringBuilder { DataSource = fullPath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();
        if (HasWal(fullPath))
        {
            return new ReadOnlyDatabase(plain, null, immutable: false);
        }

        var sharedLock = TryLockShared(fullPath + ".lock", out var held);

        // Looked at again under the lock: a server may have come and gone (and crashed, leaving a WAL) in between.
        if (held || HasWal(fullPath))
        {
            sharedLock?.Dispose();
            return new ReadOnlyDatabase(plain, null, immutable: false);
        }

        var immutable = new SqliteConnectionStringBuilder
        {
            DataSource = "file:" + string.Join('/', fullPath.Split('/').Select(Uri.EscapeDataString)) + "?immutable=1",
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString();
        return new ReadOnlyDatabase(immutable, sharedLock, immutable: true);
    }

    public void Dispose() => _sharedLock?.Dispose();

    private static bool HasWal(string fullPath) => File.Exists(fullPath + "-wal") || File.Exists(fullPath + "-shm");

    /// <summary>
    /// Takes a shared lock on the server's lock file (the server takes it exclusively). Returns null and
    /// <paramref name="heldByServer"/> = false when there is no lock file (a copy, or a server never ran there).
    /// </summary>
    private static FileStream? TryLockShared(string lockPath, out bool heldByServer)
    {
        heldByServer = false;
        if (!File.Exists(lockPath))
        {
            return null;
        }

        try
        {
            // FileShare.Read asks the OS for a shared lock; it fails while the server holds its exclusive one.
            return new FileStream(lockPath, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (IOException)
        {
            heldByServer = true;
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            // Unreadable lock file: assume the worst (a running server) and read through SQLite's own locking.
            heldByServer = true;
            return null;
        }
    }
}
