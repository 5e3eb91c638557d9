namespace LiveVote.Server.Security.Evidence;

/// <summary>
/// Configuration section <c>LiveVote:Privacy</c>, the part about risk evidence: how long the network and signal detail
/// behind a risk decision or an admin lockout is kept (<c>risk_evidence</c>) before <see cref="RiskEvidencePurge"/>
/// deletes it. The public audit entry of the decision stays; only what it was based on goes.
/// </summary>
public sealed class EvidenceOptions
{
    public const string Section = "LiveVote:Privacy";

    /// <summary>Longest allowed: a year. Evidence is kept to review a disputed decision, not to profile networks.</summary>
    public static readonly TimeSpan MaxRetention = TimeSpan.FromDays(365);

    /// <summary>
    /// 30 days: long enough to review a refusal a viewer complains about after the show, short enough that the store
    /// is not a record of who watched (GDPR Art. 5(1)(e), storage limitation).
    /// </summary>
    public TimeSpan EvidenceRetention { get; set; } = TimeSpan.FromDays(30);

    public bool IsValid() => EvidenceRetention > TimeSpan.Zero && EvidenceRetention <= MaxRetention;
}
