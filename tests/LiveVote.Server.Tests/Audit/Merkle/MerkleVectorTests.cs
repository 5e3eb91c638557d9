using LiveVote.Server.Audit;
using LiveVote.Server.Audit.Merkle;

namespace LiveVote.Server.Tests.Audit.Merkle;

/// <summary>
/// The published RFC 6962/9162 test tree (transparency-dev/merkle's testonly vectors: eight leaves of 0 to 16 bytes), its
/// roots, inclusion and consistency proofs: the server's hashing, tree reader and verifier agree with them.
/// </summary>
public sealed class MerkleVectorTests
{
    internal static readonly byte[][] Leaves =
    [
        [], [0x00], [0x10], [0x20, 0x21], [0x30, 0x31], [0x40, 0x41, 0x42, 0x43],
        [0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
        [0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f],
    ];

    private static readonly Dictionary<int, string> Roots = new()
    {
        [1] = "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        [2] = "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        [3] = "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        [4] = "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        [5] = "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        [6] = "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        [7] = "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        [8] = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    };

    [Fact]
    public void EmptyTree_HasTheHashOfNothingAsRoot()
    {
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", MerkleHash.EmptyRoot.ToString());
        Assert.Equal(MerkleHash.EmptyRoot, new MerkleFrontier().Root());
    }

    [Fact]
    public async Task FrontierAndReader_GiveThePublishedRootOfEverySize()
    {
        var source = new MemoryNodeSource(Leaves.Select(l => MerkleHash.LeafOfData(l)).ToList());
        var frontier = new MerkleFrontier();
        for (var size = 1; size <= Leaves.Length; size++)
        {
            frontier.Append(MerkleHash.LeafOfData(Leaves[size - 1]), null);
            Assert.Equal(Roots[size], frontier.Root().ToString());
            Assert.Equal(Roots[size], (await new MerkleTreeReader(source).RootAsync(Log, size, default)).ToString());
        }
    }

    [Theory]
    [InlineData(0, 8, new[] { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" })]
    [InlineData(5, 8, new[] { "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" })]
    [InlineData(2, 3, new[] { "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125" })]
    [InlineData(1, 5, new[] { "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" })]
    [InlineData(7, 8, new[] { "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f", "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" })]
    public async Task InclusionProof_IsThePublishedOneAndVerifies(long leaf, long size, string[] expected)
    {
        var source = new MemoryNodeSource(Leaves.Select(l => MerkleHash.LeafOfData(l)).ToList());
        var proof = await new MerkleTreeReader(source).InclusionProofAsync(Log, leaf, size, default);
        Assert.Equal(expected, proof.Select(h => h.ToString()).ToArray());
        var root = await new MerkleTreeReader(source).RootAsync(Log, size, default);
        Assert.True(MerkleProofs.VerifyInclusion(leaf, size, MerkleHash.LeafOfData(Leaves[leaf]), proof, root));
        Assert.False(MerkleProofs.VerifyInclusion(leaf, size, MerkleHash.LeafOfData([0xff]), proof, root));
        if (size > 1)
        {
            Assert.False(MerkleProofs.VerifyInclusion((leaf + 1) % size, size, MerkleHash.LeafOfData(Leaves[leaf]), proof, root));
        }
    }

    [Theory]
    [InlineData(1, 8, new[] { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" })]
    [InlineData(6, 8, new[] { "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" })]
    [InlineData(2, 5, new[] { "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" })]
    [InlineData(3, 7, new[] { "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7", "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7", "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125", "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e" })]
    [InlineData(4, 8, new[] { "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" })]
    public async Task ConsistencyProof_IsThePublishedOneAndVerifies(long from, long to, string[] expected)
    {
        var source = new MemoryNodeSource(Leaves.Select(l => MerkleHash.LeafOfData(l)).ToList());
        var reader = new MerkleTreeReader(source);
        var proof = await reader.ConsistencyProofAsync(Log, from, to, default);
        Assert.Equal(expected, proof.Select(h => h.ToString()).ToArray());
        var fromRoot = await reader.RootAsync(Log, from, default);
        var toRoot = await reader.RootAsync(Log, to, default);
        Assert.True(MerkleProofs.VerifyConsistency(from, to, fromRoot, toRoot, proof));
        Assert.False(MerkleProofs.VerifyConsistency(from, to, toRoot, fromRoot, proof));
    }

    private static readonly MerkleLogId Log = new("p-vectors", 0);
}
