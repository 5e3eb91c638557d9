using System.ComponentModel.DataAnnotations;

namespace LiveVote.Server.Storage.Postgres;

/// <summary>Configuration section <c>LiveVote:Postgres</c>, used when <c>LiveVote:Storage</c> is <c>Postgres</c>.</summary>
public sealed class PostgresOptions
{
    public const string Section = "LiveVote:Postgres";

    /// <summary>
    /// Npgsql connection string. In production a multi-host list with <c>Target Session Attributes=read-write</c>, so a
    /// node finds the new primary after a failover by itself.
    /// </summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// How often each node reloads polls and summed tallies, in milliseconds. 200 ms plus the 250 ms publish interval
    /// keeps every node within a second of every other.
    /// </summary>
    [Range(20, 5000)]
    public int RefreshIntervalMs { get; set; } = 200;

    /// <summary>Seconds between audit checkpoints that bind the heads of every writer's chain.</summary>
    [Range(1, 3600)]
    public int CheckpointIntervalSeconds { get; set; } = 10;
}
