using System.Security.Cryptography;
using LiveVote.Server.Audit;
using LiveVote.Server.Audit.Merkle;

namespace LiveVote.Server.Tests.Audit.Merkle;

/// <summary>
/// The reader's roots and proofs equal those of RFC 9162's recursive definition written plainly here, at sizes around the
/// stored levels (256 and 65,536 leaves), with the writer's stored nodes and without them (a log from before they existed).
/// </summary>
public sealed class MerkleTreeReaderTests
{
    private static readonly MerkleLogId Log = new("p-reader", 3);

    [Theory]
    [InlineData(1)]
    [InlineData(255)]
    [InlineData(256)]
    [InlineData(257)]
    [InlineData(1000)]
    [InlineData(65_537)]
    public async Task Root_EqualsTheRecursiveDefinition_WithAndWithoutStoredNodes(int size)
    {
        var (leaves, stored) = Grow(size);
        var expected = Reference.Root(leaves, 0, size);
        Assert.Equal(expected, await new MerkleTreeReader(new MemoryNodeSource(leaves, stored)).RootAsync(Log, size, default));
        Assert.Equal(expected, await new MerkleTreeReader(new MemoryNodeSource(leaves)).RootAsync(Log, size, default));
    }

    [Fact]
    public async Task EveryInclusionProof_UpTo300Leaves_IsRfc9162sAndVerifies()
    {
        var (leaves, stored) = Grow(300);
        var reader = new MerkleTreeReader(new MemoryNodeSource(leaves, stored));
        foreach (var size in new[] { 1, 2, 3, 7, 8, 255, 256, 257, 300 })
        {
            var root = Reference.Root(leaves, 0, size);
            for (var leaf = 0; leaf < size; leaf++)
            {
                var proof = await reader.InclusionProofAsync(Log, leaf, size, default);
                Assert.Equal(Reference.Path(leaves, leaf, 0, size), proof);
                Assert.True(MerkleProofs.VerifyInclusion(leaf, size, leaves[leaf], proof, root), $"leaf {leaf} of {size}");
            }
        }
    }

    [Fact]
    public async Task EveryConsistencyProof_UpTo260Leaves_IsRfc9162sAndVerifies()
    {
        var (leaves, stored) = Grow(260);
        var reader = new MerkleTreeReader(new MemoryNodeSource(leaves, stored));
        foreach (var to in new[] { 1, 2, 5, 8, 9, 256, 257, 260 })
        {
            for (var from = 1; from <= to; from++)
            {
                var proof = await reader.ConsistencyProofAsync(Log, from, to, default);
                Assert.Equal(Reference.Consistency(leaves, from, to), proof);
                Assert.True(MerkleProofs.VerifyConsistency(from, to, Reference.Root(leaves, 0, from), Reference.Root(leaves, 0, to), proof), $"{from} to {to}");
                if (from < to)
                {
                    // A first tree whose last leaf was rewritten is not a prefix of the second.
                    var rewritten = leaves.Take(from - 1).Append(MerkleHash.LeafOfData([1, 2, 3])).ToList();
                    Assert.False(MerkleProofs.VerifyConsistency(from, to, Reference.Root(rewritten, 0, from), Reference.Root(leaves, 0, to), proof));
                }
            }
        }
    }

    [Fact]
    public async Task ProofsOverSeventyThousandLeaves_ReadOnlyAFewTilesOfAtMost256()
    {
        const int size = 70_001;
        var (leaves, stored) = Grow(size);
        var source = new MemoryNodeSource(leaves, stored);
        var reader = new MerkleTreeReader(source);
        var root = Reference.Root(leaves, 0, size);
        foreach (var leaf in new[] { 0, 255, 256, 65_535, 65_536, 69_999, 70_000 })
        {
            var before = source.Reads;
            var proof = await reader.InclusionProofAsync(Log, leaf, size, default);
            Assert.True(MerkleProofs.VerifyInclusion(leaf, size, leaves[leaf], proof, root), $"leaf {leaf}");
            Assert.InRange(source.Reads - before, 1, 12);
        }

        var consistency = await reader.ConsistencyProofAsync(Log, 65_541, size, default);
        Assert.True(MerkleProofs.VerifyConsistency(65_541, size, Reference.Root(leaves, 0, 65_541), root, consistency));
        Assert.Equal(256, source.MaxCountAsked);
    }

    [Fact]
    public async Task Frontier_ResumedFromTheStore_ContinuesTheSameTree()
    {
        var (leaves, stored) = Grow(800);
        var resumed = await new MerkleTreeReader(new MemoryNodeSource(leaves.Take(600).ToList(), stored.Where(n => (n.Index + 1) << n.Level <= 600)))
            .FrontierAsync(Log, 600, default);
        var more = new List<MerkleNode>();
        foreach (var leaf in leaves.Skip(600))
        {
            resumed.Append(leaf, more);
        }

        Assert.Equal(800, resumed.Size);
        Assert.Equal(Reference.Root(leaves, 0, 800), resumed.Root());
        Assert.Single(more);
        Assert.Equal(stored.Where(n => n.Index >= 2), more);
    }

    [Fact]
    public void Frontier_StoresEveryCompleteSubtreeOfTheStoredLevels_WithItsRecursiveRoot()
    {
        var (leaves, stored) = Grow(65_536 + 512);
        Assert.Equal(256 + 2 + 1, stored.Count);
        foreach (var node in stored)
        {
            Assert.True(MerkleHash.IsStoredLevel(node.Level));
            var start = (int)(node.Index << node.Level);
            Assert.Equal(Reference.Root(leaves, start, start + (1 << node.Level)), node.Hash);
        }
    }

    [Fact]
    public void Frontier_CopyRewindsToTheSavedTree()
    {
        var (leaves, _) = Grow(20);
        var frontier = new MerkleFrontier();
        foreach (var leaf in leaves.Take(10))
        {
            frontier.Append(leaf, null);
        }

        var saved = frontier.Clone();
        foreach (var leaf in leaves.Skip(10))
        {
            frontier.Append(leaf, null);
        }

        frontier.CopyFrom(saved);
        Assert.Equal(10, frontier.Size);
        Assert.Equal(Reference.Root(leaves, 0, 10), frontier.Root());
    }

    [Fact]
    public async Task AProofPastTheLogsEnd_IsRefused()
    {
        var (leaves, stored) = Grow(10);
        var reader = new MerkleTreeReader(new MemoryNodeSource(leaves, stored));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => reader.InclusionProofAsync(Log, 10, 10, default));
        await Assert.ThrowsAsync<InvalidOperationException>(() => reader.InclusionProofAsync(Log, 3, 11, default));
    }

    /// <summary>Leaf hashes of distinct entries, and the stored nodes a writer's frontier emits while appending them.</summary>
    private static (List<Sha256Hash> Leaves, List<MerkleNode> Stored) Grow(int size)
    {
        var leaves = new List<Sha256Hash>(size);
        var stored = new List<MerkleNode>();
        var frontier = new MerkleFrontier();
        for (var i = 0; i < size; i++)
        {
            var leaf = MerkleHash.Leaf(Sha256Hash.Read(SHA256.HashData(BitConverter.GetBytes(i))));
            leaves.Add(leaf);
            frontier.Append(leaf, stored);
        }

        return (leaves, stored);
    }

    /// <summary>RFC 9162 section 2.1 as written: MTH, PATH and PROOF by recursion over the leaf list.</summary>
    private static class Reference
    {
        public static Sha256Hash Root(IReadOnlyList<Sha256Hash> leaves, int start, int end)
        {
            var n = end - start;
            if (n == 1)
            {
                return leaves[start];
            }

            var k = Split(n);
            return MerkleHash.Node(Root(leaves, start, start + k), Root(leaves, start + k, end));
        }

        public static List<Sha256Hash> Path(IReadOnlyList<Sha256Hash> leaves, int m, int start, int end)
        {
            var n = end - start;
            if (n == 1)
            {
                return [];
            }

            var k = Split(n);
            return m < k
                ? [.. Path(leaves, m, start, start + k), Root(leaves, start + k, end)]
                : [.. Path(leaves, m - k, start + k, end), Root(leaves, start, start + k)];
        }

        public static List<Sha256Hash> Consistency(IReadOnlyList<Sha256Hash> leaves, int from, int to) =>
            from == to ? [] : SubProof(leaves, from, 0, to, true);

        private static List<Sha256Hash> SubProof(IReadOnlyList<Sha256Hash> leaves, int m, int start, int end, bool whole)
        {
            var n = end - start;
            if (m == n)
            {
                return whole ? [] : [Root(leaves, start, end)];
            }

            var k = Split(n);
            return m <= k
                ? [.. SubProof(leaves, m, start, start + k, whole), Root(leaves, start + k, end)]
                : [.. SubProof(leaves, m - k, start + k, end, false), Root(leaves, start, start + k)];
        }

        private static int Split(int n)
        {
            var k = 1;
            while (k * 2 < n)
            {
                k *= 2;
            }

            return k;
        }
    }
}
