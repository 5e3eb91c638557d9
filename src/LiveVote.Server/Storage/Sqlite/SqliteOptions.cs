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

    /// <summary>
    /// The running node writes its vote index snapshot (<c>livevote.db.voteindex</c>) when the votes committed since the
    /// last one reach this many, or a tenth of the index if that is more: a crash then reads at most about a tenth of
    /// the stored votes (plus this many) after the snapshot instead of all of them, and the snapshots' disk writes stay
    /// proportional to the votes (each rewrites the index, ~26 bytes a vote). 1,000,000 by default: below a million
    /// stored votes a full rebuild takes under a second, so an earlier snapshot would buy nothing.
    /// </summary>
    [Range(typeof(long), "1", "9223372036854775807")]
    public long IndexSnapshotMinVotes { get; set; } = 1_000_000;
}
