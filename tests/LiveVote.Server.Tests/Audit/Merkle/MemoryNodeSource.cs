using LiveVote.Server.Audit;
using LiveVote.Server.Audit.Merkle;

namespace LiveVote.Server.Tests.Audit.Merkle;

/// <summary>
/// A store's two range reads over lists in memory: the leaf hashes, and the stored nodes a writer's frontier produced (or
/// none, as for a log written before stored nodes existed). Counts the reads, to show proofs read few tiles.
/// </summary>
internal sealed class MemoryNodeSource(IReadOnlyList<Sha256Hash> leaves, IEnumerable<MerkleNode>? stored = null) : IMerkleNodeSource
{
    private readonly Dictionary<(int, long), Sha256Hash> _stored = (stored ?? []).ToDictionary(n => (n.Level, n.Index), n => n.Hash);

    public int Reads { get; private set; }

    public int MaxCountAsked { get; private set; }

    public Task<IReadOnlyList<Sha256Hash>> ReadLeavesAsync(MerkleLogId log, long start, int count, CancellationToken cancellationToken)
    {
        Reads++;
        MaxCountAsked = Math.Max(MaxCountAsked, count);
        var end = Math.Min(leaves.Count, start + count);
        return Task.FromResult<IReadOnlyList<Sha256Hash>>(start >= end ? [] : leaves.Skip((int)start).Take((int)(end - start)).ToList());
    }

    public Task<IReadOnlyList<MerkleNode>> ReadNodesAsync(MerkleLogId log, int level, long start, int count, CancellationToken cancellationToken)
    {
        Reads++;
        MaxCountAsked = Math.Max(MaxCountAsked, count);
        var nodes = new List<MerkleNode>();
        for (var i = start; i < start + count; i++)
        {
            if (_stored.TryGetValue((level, i), out var hash))
            {
                nodes.Add(new MerkleNode(level, i, hash));
            }
        }

        return Task.FromResult<IReadOnlyList<MerkleNode>>(nodes);
    }
}
