using System.ComponentModel.DataAnnotations;

namespace LiveVote.Server.Hosting.Health;

/// <summary>Configuration section <c>LiveVote:Health</c>.</summary>
public sealed class HealthOptions
{
    public const string Section = "LiveVote:Health";

    /// <summary>
    /// Free space (MiB) the disk of the node's data (the SQLite file's folder, else <c>LiveVote:DataDirectory</c>) must
    /// keep, else the node is not ready; 0 turns the check off. 1 GiB: a vote with its audit entry is a few hundred
    /// bytes and the WAL grows until a checkpoint, so at thousands of votes per second this leaves minutes to act
    /// before commits fail with "disk full" (every vote then answered 503) while the load balancer already sends
    /// voters to other nodes.
    /// </summary>
    [Range(0, 1024 * 1024)]
    public long MinFreeDiskMiB { get; set; } = 1024;
}
