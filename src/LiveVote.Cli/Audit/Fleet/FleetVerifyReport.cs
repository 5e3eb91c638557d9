using System.Text.Json.Serialization;

namespace LiveVote.Cli.Audit.Fleet;

/// <summary>
/// One cluster of the fleet: its position on the command line, what it records about itself (null where unreadable)
/// and everything verified in it alone (the same <see cref="VerifyReport"/> a single store gets, every problem naming
/// the partition).
/// </summary>
internal sealed record PartitionReport(int Partition, string? ClusterId, int? RecordedPartitionIndex, string? Map, VerifyReport Report);

/// <summary>One partition's share of a poll: its status and its recount there.</summary>
internal sealed record PartitionPollRecount(int Partition, string Status, long Votes, IReadOnlyList<OptionRecount> Options);

/// <summary>
/// A poll over the whole fleet: the sum of the partitions' recounts (per option id), and each partition's share.
/// <see cref="Status"/> is the least advanced of the partitions' (closed only when every cluster closed it).
/// </summary>
internal sealed record FleetPollRecount(
    string Id, string Title, string Status, long Votes, IReadOnlyList<OptionRecount> Options, IReadOnlyList<PartitionPollRecount> Partitions);

/// <summary>
/// What <c>audit verify</c> found over a fleet of several clusters: each partition's own report, the fleet map, the
/// placement pass and the fleet totals; <see cref="Problems"/> lists every problem (each partition's and the
/// cross-cluster ones), each naming its partition where it has one. <see cref="Warnings"/> do not fail the verification
/// (a poll change still fanning out, a cluster no node has mapped yet); <see cref="Ok"/> only when no problem is found.
/// </summary>
internal sealed record FleetVerifyReport(
    IReadOnlyList<PartitionReport> Partitions,
    IReadOnlyList<string> ClusterMap,
    long PlacedVoteRows,
    IReadOnlyList<FleetPollRecount> Polls,
    long ProblemCount,
    IReadOnlyList<VerifyProblem> Problems,
    IReadOnlyList<VerifyProblem> Warnings)
{
    public bool Ok => ProblemCount == 0;

    /// <summary>The polls' Merkle logs of every partition, recomputed and checked; null for a fleet without them.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Logs.LogsSummary? Logs { get; init; }

    /// <summary>"partition P chain W seq N" of the lowest entry any problem names.</summary>
    [JsonIgnore]
    public string? FirstBadLocation => VerifyReport.FirstBad(Problems);
}
