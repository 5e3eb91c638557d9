namespace LiveVote.Server.Storage;

/// <summary>
/// One node's console figures as it last stored them (<c>node_counters</c>): its cumulative counts since it first ran
/// under <paramref name="Node"/>, not reset by a restart, and its votes/s at <paramref name="UpdatedAt"/>.
/// </summary>
/// <param name="Node">The node's name (<c>LiveVote:Telemetry:NodeName</c>).</param>
/// <param name="Repeated">Votes refused as repeats (the same vote again, or another option after a vote).</param>
/// <param name="Throttled">Requests refused by a rate limit.</param>
/// <param name="Flagged">Votes the risk score challenged or refused.</param>
/// <param name="UpdatedAt">When the node wrote the row, by its own clock.</param>
internal sealed record NodeCounters(
    string Node,
    long Accepted,
    long Repeated,
    long Throttled,
    long Flagged,
    double VotesPerSecond,
    DateTimeOffset UpdatedAt);
