using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace LiveVote.Cli.Tests.Infrastructure;

/// <summary>
/// Throwaway copies of a SQLite database the server wrote (one consistent snapshot of every committed page), one per
/// test that tampers with it; deleted with the original's folder. Not the server's lock file: it is no part of the
/// data, and copying it means taking a lock on it.
/// </summary>
internal sealed class DatabaseCopies(string directory, string prefix)
{
    private readonly List<string> _copies = [];

    /// <summary>Copies the database to a fresh folder; returns the copy's path.</summary>
    public string Copy()
    {
        var target = TempDirectory.Create(prefix);
        lock (_copies)
        {
            _copies.Add(target);
        }

        // Through SQLite's online backup, not a file copy: copying the database file and then its WAL is not one
        // snapshot, and a connection closed in between (the last one checkpoints and deletes the WAL) left a copy
        // without the newest entries.
        var copy = Path.Combine(target, "livevote.db");
        using (var source = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(directory, "livevote.db"), Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString()))
        using (var destination = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = copy, Pooling = false }.ToString()))
        {
            source.Open();
            destination.Open();
            source.BackupDatabase(destination);
        }

        return copy;
    }

    /// <summary>Deletes every copy and the original's folder.</summary>
    public void DeleteAll()
    {
        foreach (var folder in _copies.Append(directory))
        {
            TempDirectory.Delete(folder);
        }
    }
}
