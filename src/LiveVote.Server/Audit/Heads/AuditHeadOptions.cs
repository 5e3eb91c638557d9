using System.ComponentModel.DataAnnotations;

namespace LiveVote.Server.Audit.Heads;

/// <summary>How often the signed tree heads follow the logs (<c>LiveVote:Audit</c>).</summary>
public sealed class AuditHeadOptions
{
    public const string Section = "LiveVote:Audit";

    /// <summary>
    /// Every log that grew gets a new signed head at least this often (and at once after a poll's lifecycle change):
    /// a receipt can be proved against a signed head about this long after its vote was answered.
    /// </summary>
    [Range(100, 60_000)]
    public int HeadIntervalMs { get; set; } = 1000;
}
