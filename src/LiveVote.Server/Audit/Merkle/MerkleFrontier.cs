namespace LiveVote.Server.Audit.Merkle;

/// <summary>
/// The right edge of a growing RFC 9162 tree: the roots of the complete subtrees that the binary form of
/// <see cref="Size"/> splits the leaves into, largest first (a "compact range" [0, Size)). Appending a leaf costs one hash
/// plus one per subtree it completes (two on average); the root folds at most 64 of them. The writer keeps one per
/// open log, so a batch's leaves extend the tree without reading it back.
/// </summary>
public sealed class MerkleFrontier
{
    // At most one subtree per bit of the size: 64 slots hold any tree a long can count.
    private readonly Sha256Hash[] _hashes = new Sha256Hash[64];
    private readonly int[] _levels = new int[64];
    private int _count;

    public long Size { get; private set; }

    /// <summary>
    /// A frontier for a tree of <paramref name="size"/> leaves from the roots of its complete subtrees, largest first
    /// (one per set bit of the size, as <see cref="MerkleTreeReader.FrontierAsync"/> reads them).
    /// </summary>
    public static MerkleFrontier FromSubtrees(long size, IReadOnlyList<Sha256Hash> subtreeRoots)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        if (subtreeRoots.Count != System.Numerics.BitOperations.PopCount((ulong)size))
        {
            throw new ArgumentException($"A tree of {size} leaves has {System.Numerics.BitOperations.PopCount((ulong)size)} complete subtrees, not {subtreeRoots.Count}.", nameof(subtreeRoots));
        }

        var frontier = new MerkleFrontier { Size = size };
        var i = 0;
        for (var level = 63; level >= 0; level--)
        {
            if ((size & (1L << level)) != 0)
            {
                frontier._levels[frontier._count] = level;
                frontier._hashes[frontier._count++] = subtreeRoots[i++];
            }
        }

        return frontier;
    }

    /// <summary>
    /// Appends a leaf hash. Every complete subtree it closes at a stored level (<see cref="MerkleHash.IsStoredLevel"/>) is
    /// added to <paramref name="completedStoredNodes"/>, for the store to write in the same transaction.
    /// </summary>
    public void Append(in Sha256Hash leafHash, List<MerkleNode>? completedStoredNodes)
    {
        var hash = leafHash;
        var level = 0;
        while (_count > 0 && _levels[_count - 1] == level)
        {
            hash = MerkleHash.Node(_hashes[--_count], hash);
            level++;
            if (completedStoredNodes is not null && MerkleHash.IsStoredLevel(level))
            {
                // The closed subtree ends at the new size: its index counts whole subtrees of that level before it.
                completedStoredNodes.Add(new MerkleNode(level, ((Size + 1) >> level) - 1, hash));
            }
        }

        _levels[_count] = level;
        _hashes[_count++] = hash;
        Size++;
    }

    /// <summary>RFC 9162's MTH of the leaves so far: the subtrees folded right to left.</summary>
    public Sha256Hash Root()
    {
        if (_count == 0)
        {
            return MerkleHash.EmptyRoot;
        }

        var root = _hashes[_count - 1];
        for (var i = _count - 2; i >= 0; i--)
        {
            root = MerkleHash.Node(_hashes[i], root);
        }

        return root;
    }

    public MerkleFrontier Clone()
    {
        var copy = new MerkleFrontier { Size = Size, _count = _count };
        Array.Copy(_hashes, copy._hashes, _count);
        Array.Copy(_levels, copy._levels, _count);
        return copy;
    }

    /// <summary>Makes this frontier equal to <paramref name="other"/> (a rewind to a saved copy, without allocating).</summary>
    public void CopyFrom(MerkleFrontier other)
    {
        Size = other.Size;
        _count = other._count;
        Array.Copy(other._hashes, _hashes, _count);
        Array.Copy(other._levels, _levels, _count);
    }
}
