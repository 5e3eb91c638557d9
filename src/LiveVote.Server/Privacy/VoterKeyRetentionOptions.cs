namespace LiveVote.Server.Privacy;

/// <summary>
/// <c>LiveVote:Privacy:AuditPeriod</c>: how long after a poll closed its voter-key secret is kept, so that an auditor or
/// a complaint can still tie a vote to a viewer (a viewer's own vote looked up on request, a disputed duplicate); then
/// it is destroyed (<see cref="VoterKeyRetention"/>). Default 90 days.
/// </summary>
internal sealed class VoterKeyRetentionOptions
{
    public const string Section = "LiveVote:Privacy";

    /// <summary>The longest audit period accepted: ten years (a value beyond is a typo, not a policy).</summary>
    public static readonly TimeSpan MaxAuditPeriod = TimeSpan.FromDays(3650);

    public TimeSpan AuditPeriod { get; set; } = TimeSpan.FromDays(90);

    public bool IsValid() => AuditPeriod >= TimeSpan.FromSeconds(1) && AuditPeriod <= MaxAuditPeriod;
}
