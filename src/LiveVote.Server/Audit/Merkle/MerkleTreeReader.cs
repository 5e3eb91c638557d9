namespace LiveVote.Server.Audit.Merkle;

/// <summary>
/// RFC 9162 roots and proofs over a stored log, written once for every store (each supplies only its two range reads,
/// <see cref="IMerkleNodeSource"/>). A subtree's hash comes from a stored node where its level is stored, else from its two
/// children, down to the leaves; a stored node that is missing (a log written before the nodes were) is recomputed the
/// same way. Reads go in passes: a pass computes what it can from the tiles already read and notes every tile it lacked,
/// then those are read together, so a proof over 10 million leaves costs a handful of queries of at most 256 rows.
/// </summary>
public sealed class MerkleTreeReader(IMerkleNodeSource source)
{
    private const int TileWidth = 1 << MerkleHash.TileHeight;

    // A proof needs at most 2 x 64 subtrees; each pass reads every tile it found missing, and a tile once read is never
    // missing again, so a correct source settles in a few passes. More means the source answers short of the log.
    private const int MaxPasses = 16;

    public async Task<Sha256Hash> RootAsync(MerkleLogId log, long size, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        return size == 0 ? MerkleHash.EmptyRoot : (await new Computation(source, log).RangeHashesAsync([(0, size)], cancellationToken))[0];
    }

    /// <summary>RFC 9162 2.1.3.1 PATH(leaf, D[size]): the sibling subtrees from the leaf up.</summary>
    public async Task<IReadOnlyList<Sha256Hash>> InclusionProofAsync(MerkleLogId log, long leaf, long size, CancellationToken cancellationToken)
    {
        if (leaf < 0 || leaf >= size)
        {
            throw new ArgumentOutOfRangeException(nameof(leaf), $"Leaf {leaf} is not in a tree of {size}.");
        }

        var ranges = new List<(long Start, long End)>();
        Path(leaf, 0, size, ranges);
        return await new Computation(source, log).RangeHashesAsync(ranges, cancellationToken);

        static void Path(long m, long start, long end, List<(long, long)> ranges)
        {
            var n = end - start;
            if (n == 1)
            {
                return;
            }

            var k = MerkleHash.SplitPoint(n);
            if (m < k)
            {
                Path(m, start, start + k, ranges);
                ranges.Add((start + k, end));
            }
            else
            {
                Path(m - k, start + k, end, ranges);
                ranges.Add((start, start + k));
            }
        }
    }

    /// <summary>RFC 9162 2.1.4.1 PROOF(from, D[to]); empty when from is 0 or equals to.</summary>
    public async Task<IReadOnlyList<Sha256Hash>> ConsistencyProofAsync(MerkleLogId log, long from, long to, CancellationToken cancellationToken)
    {
        if (from < 0 || from > to)
        {
            throw new ArgumentOutOfRangeException(nameof(from), $"No consistency proof from {from} to {to}.");
        }

        if (from == 0 || from == to)
        {
            return [];
        }

        var ranges = new List<(long Start, long End)>();
        SubProof(from, 0, to, true, ranges);
        return await new Computation(source, log).RangeHashesAsync(ranges, cancellationToken);

        static void SubProof(long m, long start, long end, bool whole, List<(long, long)> ranges)
        {
            var n = end - start;
            if (m == n)
            {
                if (!whole)
                {
                    ranges.Add((start, end));
                }

                return;
            }

            var k = MerkleHash.SplitPoint(n);
            if (m <= k)
            {
                SubProof(m, start, start + k, whole, ranges);
                ranges.Add((start + k, end));
            }
            else
            {
                SubProof(m - k, start + k, end, false, ranges);
                ranges.Add((start, start + k));
            }
        }
    }

    /// <summary>The frontier of the first <paramref name="size"/> leaves: what a writer resumes a log from.</summary>
    public async Task<MerkleFrontier> FrontierAsync(MerkleLogId log, long size, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        var ranges = new List<(long Start, long End)>();
        var start = 0L;
        for (var level = 62; level >= 0; level--)
        {
            if ((size & (1L << level)) != 0)
            {
                ranges.Add((start, start + (1L << level)));
                start += 1L << level;
            }
        }

        var roots = ranges.Count == 0 ? [] : await new Computation(source, log).RangeHashesAsync(ranges, cancellationToken);
        return MerkleFrontier.FromSubtrees(size, roots);
    }

    /// <summary>One request's tiles, read on demand in passes.</summary>
    private sealed class Computation(IMerkleNodeSource source, MerkleLogId log)
    {
        private readonly Dictionary<long, IReadOnlyList<Sha256Hash>> _leafTiles = [];
        private readonly Dictionary<(int Level, long Tile), Dictionary<long, Sha256Hash>> _nodeTiles = [];
        private readonly HashSet<long> _missingLeafTiles = [];
        private readonly HashSet<(int Level, long Tile)> _missingNodeTiles = [];

        public async Task<IReadOnlyList<Sha256Hash>> RangeHashesAsync(List<(long Start, long End)> ranges, CancellationToken cancellationToken)
        {
            var hashes = new Sha256Hash[ranges.Count];
            for (var pass = 0; pass < MaxPasses; pass++)
            {
                var complete = true;
                for (var i = 0; i < ranges.Count; i++)
                {
                    complete &= TryRange(ranges[i].Start, ranges[i].End, out hashes[i]);
                }

                if (complete)
                {
                    return hashes;
                }

                await ReadMissingAsync(cancellationToken);
            }

            throw new InvalidOperationException($"The store's log {log.PollId}/{log.Chain} has fewer leaves than the tree asked for.");
        }

        private async Task ReadMissingAsync(CancellationToken cancellationToken)
        {
            foreach (var tile in _missingLeafTiles)
            {
                var leaves = await source.ReadLeavesAsync(log, tile * TileWidth, TileWidth, cancellationToken);
                _leafTiles[tile] = leaves;
            }

            foreach (var (level, tile) in _missingNodeTiles)
            {
                var nodes = await source.ReadNodesAsync(log, level, tile * TileWidth, TileWidth, cancellationToken);
                _nodeTiles[(level, tile)] = nodes.Where(n => n.Level == level).ToDictionary(n => n.Index, n => n.Hash);
            }

            _missingLeafTiles.Clear();
            _missingNodeTiles.Clear();
        }

        /// <summary>MTH of leaves [start, end); false (with the tiles it lacked noted) when a tile is not read yet.</summary>
        private bool TryRange(long start, long end, out Sha256Hash hash)
        {
            var n = end - start;
            if ((n & (n - 1)) == 0 && start % n == 0)
            {
                return TryNode(System.Numerics.BitOperations.Log2((ulong)n), start / n, out hash);
            }

            var k = MerkleHash.SplitPoint(n);
            var left = TryRange(start, start + k, out var l);
            var right = TryRange(start + k, end, out var r);
            hash = left && right ? MerkleHash.Node(l, r) : default;
            return left && right;
        }

        /// <summary>The root of the complete subtree of <paramref name="level"/> at <paramref name="index"/>.</summary>
        private bool TryNode(int level, long index, out Sha256Hash hash)
        {
            if (level == 0)
            {
                var tile = index / TileWidth;
                if (!_leafTiles.TryGetValue(tile, out var leaves))
                {
                    _missingLeafTiles.Add(tile);
                    hash = default;
                    return false;
                }

                var offset = (int)(index % TileWidth);
                if (offset >= leaves.Count)
                {
                    throw new InvalidOperationException($"The store's log {log.PollId}/{log.Chain} has no leaf {index}.");
                }

                hash = leaves[offset];
                return true;
            }

            if (MerkleHash.IsStoredLevel(level))
            {
                var tile = index / TileWidth;
                if (!_nodeTiles.TryGetValue((level, tile), out var nodes))
                {
                    _missingNodeTiles.Add((level, tile));
                    hash = default;
                    return false;
                }

                if (nodes.TryGetValue(index, out hash))
                {
                    return true;
                }
            }

            // Not a stored level, or a stored node missing: from the two children (both tried, so one pass notes every tile).
            var left = TryNode(level - 1, 2 * index, out var l);
            var right = TryNode(level - 1, 2 * index + 1, out var r);
            hash = left && right ? MerkleHash.Node(l, r) : default;
            return left && right;
        }
    }
}
