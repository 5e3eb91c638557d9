namespace LiveVote.Cli.Audit.Logs;

/// <summary>
/// The right edge of a growing RFC 9162 tree: the roots of the perfect subtrees that cover leaves [0, Size), largest
/// first (one per set bit of Size). Appending merges equal-sized neighbours; the tree head at the current size folds
/// them from the right, which is MTH of RFC 9162 section 2.1.1 (its split at the largest power of two below n is exactly
/// the first of these subtrees). Memory is O(log n), so a log of any length is recomputed in one streaming pass.
/// </summary>
internal sealed class MerkleFrontier
{
    private readonly List<byte[]> _subtrees = [];

    public long Size { get; private set; }

    public void Append(byte[] leafHash)
    {
        _subtrees.Add(leafHash);
        Size++;

        // Each trailing zero bit of the new size is one merge of two equal subtrees.
        for (var size = Size; (size & 1) == 0; size >>= 1)
        {
            var right = _subtrees[^1];
            var left = _subtrees[^2];
            _subtrees.RemoveRange(_subtrees.Count - 2, 2);
            _subtrees.Add(MerkleHashing.Node(left, right));
        }
    }

    /// <summary>MTH(leaves[0..Size)).</summary>
    public byte[] Root()
    {
        if (_subtrees.Count == 0)
        {
            return MerkleHashing.EmptyRoot;
        }

        var root = _subtrees[^1];
        for (var i = _subtrees.Count - 2; i >= 0; i--)
        {
            root = MerkleHashing.Node(_subtrees[i], root);
        }

        return root;
    }
}
