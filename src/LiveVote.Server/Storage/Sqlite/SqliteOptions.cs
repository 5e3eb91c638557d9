using System.ComponentModel.DataAnnotations;

namespace LiveVote.Server.Storage.Sqlite;

/// <summary>Configuration section <c>LiveVote:Sqlite</c>.</summary>
public sealed class SqliteOptions
{
    public const string Section = "LiveVote:Sqlite";

    /// <summary>The database file's name in <c>LiveVote:DataDirectory</c> when <see cref="Path"/> is not set.</summary>
    public const string FileName = "livevote.db";

    /// <summary>Database file (relative to the working directory); default <c>livevote.db</c> in <c>LiveVote:DataDirectory</c>.</summary>
    [Required]
    public string? Path { get; set; }

    /// <summary>
    /// SQLite page cache in MiB. 64 MiB keeps the hot tail of the append-only tables and the tallies in memory; the
    /// tables are appended in key order, so a commit touches few pages and a larger cache buys little.
    /// </summary>
    [Range(2, 4096)]
    public int CacheSizeMiB { get; set; } = 64;
}
