namespace LiveVote.Server.Telemetry;

/// <summary>
/// The console's figures for the whole fleet (<see cref="AdminStats.Fleet"/>): every node's stored counts
/// (<c>node_counters</c>) summed, so they are neither one node's share nor reset when a node restarts.
/// </summary>
/// <param name="Nodes">Nodes that ever stored figures in this store.</param>
/// <param name="NodesReporting">Nodes whose figures are fresh (written in the last <see cref="FleetCounters.ReportingWindow"/>).</param>
/// <param name="VotesPerSecond">Accepted votes per second, summed over the reporting nodes.</param>
/// <param name="Accepted">Votes accepted, every node, since each first ran.</param>
/// <param name="Repeated">Votes refused as repeats (the same vote again, or another option after a vote).</param>
/// <param name="Throttled">Requests refused by a rate limit (429).</param>
/// <param name="Flagged">Votes the risk score challenged with a CAPTCHA or refused as a suspected bot.</param>
/// <param name="AsOf">When the answering node summed them.</param>
internal sealed record FleetStatsDto(
    int Nodes,
    int NodesReporting,
    double VotesPerSecond,
    long Accepted,
    long Repeated,
    long Throttled,
    long Flagged,
    DateTimeOffset AsOf);
