using System.Globalization;
using LiveVote.Server.Audit;

namespace LiveVote.Server.Votes;

/// <summary>What became of a vote: the one vocabulary of the store's decision, the writer's answer and the endpoint.</summary>
public enum VoteOutcome : byte
{
    /// <summary>A first vote, now durable: 201.</summary>
    Accepted,

    /// <summary>The same vote again (same option): 200 with the standing vote's id and receipt.</summary>
    Duplicate,

    /// <summary>A different second vote: 409, the first one stands.</summary>
    AlreadyVoted,

    /// <summary>The poll was not open in the store when the vote's batch was decided: 409.</summary>
    PollNotOpen,

    /// <summary>
    /// Not counted: the endpoint refused the vote before the store (the risk score) and only asked whether the voter
    /// already has a vote that stands, which would have been answered instead; the endpoint gives its own refusal.
    /// </summary>
    Withheld,

    /// <summary>The batch did not commit (its outcome may be unknown): 503, a retry of the same vote settles it.</summary>
    StoreFailed,
}

/// <summary>
/// The answer to one vote: what happened and the vote that stands (its chain, seq and receipt: the hash of its audit
/// entry). For <see cref="VoteOutcome.PollNotOpen"/> and <see cref="VoteOutcome.StoreFailed"/> no vote stands.
/// </summary>
/// <param name="Chain">The audit chain (writer) of the standing vote's entry: 0 in SQLite's one chain.</param>
/// <param name="Leaf">The entry's index in its poll's Merkle log of that chain (docs/design.md, 7.6); -1 when no vote stands.</param>
public readonly record struct VoteResult(VoteOutcome Outcome, long Seq, Sha256Hash Receipt, int Chain = 0, long Leaf = -1)
{
    public static VoteResult PollNotOpen => new(VoteOutcome.PollNotOpen, 0, default);

    public static VoteResult StoreFailed => new(VoteOutcome.StoreFailed, 0, default);

    public static VoteResult Withheld => new(VoteOutcome.Withheld, 0, default);

    /// <summary>Names the vote's audit entry: its seq in SQLite's one chain, "chain-seq" with several writers.</summary>
    public string VoteId => Chain == 0
        ? Seq.ToString(CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{Chain}-{Seq}");

    /// <summary>The vote id in a poll spread over several partitions: "partition.chain-seq", naming the cluster whose trail holds it.</summary>
    public string VoteIdIn(int partition) => string.Create(CultureInfo.InvariantCulture, $"{partition}.{VoteId}");
}
