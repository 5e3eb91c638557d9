using LiveVote.Server.Storage.Sqlite;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace LiveVote.Server.Tests.Storage.Sqlite;

/// <summary>
/// The temp folders an index-snapshot test works in: its own (<see cref="Main"/>), copies of a store's files as a crash
/// leaves them, and any other it names; all deleted at the end, after SQLite's pooled connections let go of them.
/// </summary>
internal sealed class StoreFolders(string prefix) : IDisposable
{
    private readonly List<string> _others = [];

    public string Main { get; } = TempDirectory.Create(prefix);

    /// <summary>A new folder, deleted with the others.</summary>
    public string Create(string suffix)
    {
        var directory = TempDirectory.Create($"{prefix}-{suffix}");
        _others.Add(directory);
        return directory;
    }

    /// <summary>
    /// The database files in <paramref name="directory"/> as they are now (with the WAL of a store still open: what a
    /// crash leaves), and the index snapshot if asked, in a new folder.
    /// </summary>
    public string CopyOf(string directory, bool includeSnapshot)
    {
        var copy = Create("copy");
        foreach (var suffix in includeSnapshot ? new[] { "", "-wal", VoteIndexSnapshot.Suffix } : ["", "-wal"])
        {
            var file = Path.Combine(directory, "livevote.db" + suffix);
            if (File.Exists(file))
            {
                File.Copy(file, Path.Combine(copy, "livevote.db" + suffix));
            }
        }

        return copy;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        TempDirectory.Delete(Main);
        _others.ForEach(TempDirectory.Delete);
    }
}
