using LiveVote.Server.Audit;
using LiveVote.Server.Audit.Merkle;

namespace LiveVote.Server.Storage;

/// <summary>
/// What a store keeps of the polls' Merkle logs besides the audit rows (docs/design.md, 7.6): the nodes the reader
/// needs (<see cref="IMerkleNodeSource"/>), the size of a log as committed, one leaf's entry, and the signed tree heads.
/// Request threads and the head signer read and write here; the batch writer writes leaves and stored nodes in its own
/// transaction, never through this interface.
/// </summary>
public interface IAuditLogStore : IMerkleNodeSource
{
    /// <summary>The number of leaves of the log committed now (0: no entry of that poll in that chain).</summary>
    Task<long> ReadLogSizeAsync(MerkleLogId log, CancellationToken cancellationToken);

    /// <summary>The entry at <paramref name="leaf"/> of the log, or null when the log is shorter.</summary>
    Task<AuditEntry?> ReadLeafEntryAsync(MerkleLogId log, long leaf, CancellationToken cancellationToken);

    /// <summary>Stores a signed head (its id is assigned by the store).</summary>
    Task WriteSignedHeadAsync(SignedHead head, CancellationToken cancellationToken);

    /// <summary>The newest signed head of each log of the poll in this store, ordered by chain.</summary>
    Task<IReadOnlyList<SignedHead>> ReadLatestHeadsAsync(string pollId, CancellationToken cancellationToken);

    /// <summary>The newest signed head of one log (<paramref name="size"/> null), or the newest one of exactly that size.</summary>
    Task<SignedHead?> ReadHeadAsync(MerkleLogId log, long? size, CancellationToken cancellationToken);

    /// <summary>Every signed head of the poll in this store with an id above <paramref name="afterId"/>, in id order.</summary>
    Task<IReadOnlyList<SignedHead>> ReadHeadsAsync(string pollId, long afterId, int limit, CancellationToken cancellationToken);
}

/// <summary>A signed tree head (checkpoint) as stored: <paramref name="Note"/> is the whole signed note.</summary>
public sealed record SignedHead(long Id, string PollId, int Chain, long Size, Sha256Hash Root, long AtUnixMs, string Note);
