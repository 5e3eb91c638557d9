namespace LiveVote.Server.Security.Evidence;

/// <summary>
/// What a risk decision or admin lockout was based on, kept apart from the public audit trail: the entry names only
/// <see cref="Ref"/> (its <c>"evidence"</c> member). <see cref="Network"/> is the client's IPv4 /24 or IPv6 /48;
/// <see cref="Detail"/> is compact JSON (a risk decision's <c>{"signals":{name:points}}</c>, a lockout's
/// <c>{"failures":n}</c>). <see cref="Seq"/> is the table's, 0 until stored.
/// </summary>
internal sealed record RiskEvidence(
    long Seq, byte[] Ref, string Kind, string Action, string? PollId, byte[]? VoterKey, string Network, string Detail, long AtUnixMs)
{
    public const int RefSize = 16;
}

/// <summary>Which evidence to read: of one poll (or every poll and none), or the one row an audit entry names; after a seq.</summary>
internal readonly record struct EvidenceQuery(string? PollId, byte[]? Ref, long After, int Limit);
