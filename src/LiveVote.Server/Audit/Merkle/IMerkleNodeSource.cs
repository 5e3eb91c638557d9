namespace LiveVote.Server.Audit.Merkle;

/// <summary>
/// What a store supplies for <see cref="MerkleTreeReader"/>: two range reads, its SQL only. The reader asks for at most
/// 2^<see cref="MerkleHash.TileHeight"/> items at a time, aligned to that many.
/// </summary>
public interface IMerkleNodeSource
{
    /// <summary>
    /// The leaf hashes (<see cref="MerkleHash.Leaf"/> of each entry's hash) of leaves [start, start + count), in order;
    /// fewer when the log ends sooner.
    /// </summary>
    Task<IReadOnlyList<Sha256Hash>> ReadLeavesAsync(MerkleLogId log, long start, int count, CancellationToken cancellationToken);

    /// <summary>The stored nodes of <paramref name="level"/> with an index in [start, start + count) that exist, any order.</summary>
    Task<IReadOnlyList<MerkleNode>> ReadNodesAsync(MerkleLogId log, int level, long start, int count, CancellationToken cancellationToken);
}
