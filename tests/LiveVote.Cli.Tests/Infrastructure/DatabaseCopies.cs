using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Cli.Tests.Infrastructure;

/// <summary>
/// Throwaway copies of a SQLite database the server wrote (the database and its WAL files, if any are left), one per
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

        foreach (var name in new[] { "livevote.db", "livevote.db-wal", "livevote.db-shm" })
        {
            var file = Path.Combine(directory, name);
            if (File.Exists(file))
            {
                File.Copy(file, Path.Combine(target, name));
            }
        }

        return Path.Combine(target, "livevote.db");
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
