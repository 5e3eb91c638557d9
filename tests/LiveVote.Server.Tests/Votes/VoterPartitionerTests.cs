using System.Security.Cryptography;
using System.Text;
using LiveVote.Server.Votes;

namespace LiveVote.Server.Tests.Votes;

/// <summary>
/// The partition function: the published jump consistent hash, stable across processes, uniform over HMAC-like keys,
/// and moving only about 1/(N+1) of the voters, all into the new partition, when a cluster is added. Keys are
/// deterministic (SHA-256 of a counter, as uniform as the HMAC voter keys), so the tolerances cannot flake.
/// </summary>
public sealed class VoterPartitionerTests
{
    private const int KeyCount = 100_000;
    private static readonly VoterKey[] Keys = [.. Enumerable.Range(0, KeyCount).Select(Key)];

    /// <summary>Vectors of the reference algorithm (the paper's C++ code, as in ClickHouse's and Guava's tests).</summary>
    [Theory]
    [InlineData(1UL, 1, 0)]
    [InlineData(42UL, 57, 43)]
    [InlineData(256UL, 1024, 520)]
    [InlineData(3735883980UL, 1, 0)]
    [InlineData(3735883980UL, 666, 361)]
    [InlineData(16045690984833335023UL, 255, 237)]
    [InlineData(10863919174838991UL, 11, 6)]
    [InlineData(2016238256797177309UL, 11, 3)]
    public void JumpHash_MatchesThePublishedAlgorithm(ulong key, int buckets, int expected)
    {
        Assert.Equal(expected, VoterPartitioner.JumpHash(key, buckets));
    }

    /// <summary>
    /// Pins what is hashed (the key's first 8 bytes, big-endian) so a change of it, which would move voters between
    /// clusters in the middle of a running fleet, fails here.
    /// </summary>
    [Theory]
    [InlineData("0000000000000100ffffffffffffffff", 1024, 520)]
    [InlineData("deadbeefdeadbeefffffffffffffffff", 255, 237)]
    [InlineData("deadbeefdeadbeef0000000000000000", 255, 237)]
    [InlineData("000000000000002a0123456789abcdef", 57, 43)]
    public void PartitionOf_HashesTheFirstEightBytesOfTheKey(string keyHex, int partitions, int expected)
    {
        var key = VoterKey.Read(Convert.FromHexString(keyHex));

        Assert.Equal(expected, VoterPartitioner.PartitionOf(key, partitions));
    }

    [Fact]
    public void PartitionOf_OnePartition_IsAlwaysZero()
    {
        Assert.All(Keys.Take(10_000), key => Assert.Equal(0, VoterPartitioner.PartitionOf(key, 1)));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(VoterPartitioner.MaxPartitions)]
    public void PartitionOf_IsWithinRange(int partitions)
    {
        Assert.All(Keys.Take(20_000), key => Assert.InRange(VoterPartitioner.PartitionOf(key, partitions), 0, partitions - 1));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(VoterPartitioner.MaxPartitions + 1)]
    public void PartitionOf_WithAnImpossibleCount_Throws(int partitions)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => VoterPartitioner.PartitionOf(Keys[0], partitions));
    }

    [Fact]
    public void PartitionOf_IsTheSameForTheSameKeyFromAnotherDerivation()
    {
        var secret = Encoding.UTF8.GetBytes("voter-key-secret-0123456789abcdef-0");
        var first = new VoterKeyDeriver(secret).Derive("viewer-7");
        var second = new VoterKeyDeriver([.. secret]).Derive("viewer-7");

        Assert.Equal(VoterPartitioner.PartitionOf(first, 5), VoterPartitioner.PartitionOf(second, 5));
    }

    /// <summary>
    /// Each partition gets its share within 3% of it: the expected spread is about 0.5% (one standard deviation of a
    /// binomial count), so 3% fails only for a real bias.
    /// </summary>
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(7)]
    public void PartitionOf_SpreadsKeysUniformly(int partitions)
    {
        var counts = new int[partitions];
        foreach (var key in Keys)
        {
            counts[VoterPartitioner.PartitionOf(key, partitions)]++;
        }

        var expected = (double)KeyCount / partitions;
        Assert.All(counts, count => Assert.InRange(count, expected * 0.97, expected * 1.03));
    }

    /// <summary>
    /// Adding a cluster (N to N+1) moves about 1/(N+1) of the voters, every one of them into the new partition N:
    /// nobody moves between the clusters that already existed.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public void PartitionOf_WhenAClusterIsAdded_MovesAboutOneShareAndOnlyToTheNewPartition(int partitions)
    {
        var moved = 0;
        foreach (var key in Keys)
        {
            var before = VoterPartitioner.PartitionOf(key, partitions);
            var after = VoterPartitioner.PartitionOf(key, partitions + 1);
            if (after != before)
            {
                Assert.Equal(partitions, after);
                moved++;
            }
        }

        var expected = (double)KeyCount / (partitions + 1);
        Assert.InRange(moved, expected * 0.95, expected * 1.05);
    }

    /// <summary>A uniformly distributed 128-bit key, like the first half of an HMAC-SHA256, from a counter.</summary>
    private static VoterKey Key(int i) => VoterKey.Read(SHA256.HashData(Encoding.UTF8.GetBytes("voter-" + i)));
}
