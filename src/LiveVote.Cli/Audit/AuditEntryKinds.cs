namespace LiveVote.Cli.Audit;

/// <summary>The audit kinds as the canonical form spells them (part of every hash).</summary>
internal static class AuditEntryKinds
{
    public const string Vote = "vote";
    public const string PollCreated = "poll-created";
    public const string PollOpened = "poll-opened";
    public const string PollClosed = "poll-closed";

    /// <summary>A note: a vote challenged or refused by the risk score. Poll and voter of the vote, no option, JSON data.</summary>
    public const string RiskDecision = "risk-decision";

    /// <summary>A note: a network locked out after wrong admin keys. No poll, voter or option; JSON data.</summary>
    public const string AdminLockout = "admin-lockout";

    /// <summary>The order kinds are listed in a summary.</summary>
    public static readonly string[] All = [PollCreated, PollOpened, PollClosed, Vote, RiskDecision, AdminLockout];
}
