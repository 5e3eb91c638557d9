using LiveVote.Cli.Audit.Fleet;

namespace LiveVote.Cli.Tests.Audit.Fleet;

/// <summary>
/// The verifier's own jump consistent hash against the very vectors the server's partitioner is pinned to
/// (tests/LiveVote.Server.Tests/Votes/VoterPartitionerTests.cs): the reference algorithm's outputs, and what of the key
/// is hashed (its first 8 bytes, big-endian).
/// </summary>
public sealed class VoterPlacementTests
{
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
        Assert.Equal(expected, VoterPlacement.JumpHash(key, buckets));
    }

    [Theory]
    [InlineData("0000000000000100ffffffffffffffff", 1024, 520)]
    [InlineData("deadbeefdeadbeefffffffffffffffff", 255, 237)]
    [InlineData("deadbeefdeadbeef0000000000000000", 255, 237)]
    [InlineData("000000000000002a0123456789abcdef", 57, 43)]
    public void PartitionOf_HashesTheFirstEightBytesOfTheKey(string keyHex, int partitions, int expected)
    {
        Assert.Equal(expected, VoterPlacement.PartitionOf(Convert.FromHexString(keyHex), partitions));
    }

    [Fact]
    public void PartitionOf_KeyShorterThanEightBytes_CannotBePlaced()
    {
        Assert.Null(VoterPlacement.PartitionOf(Convert.FromHexString("deadbeefdeadbe"), 3));
    }

    [Fact]
    public void PartitionOf_OnePartition_IsAlwaysZero()
    {
        Assert.All(Enumerable.Range(0, 1000), i => Assert.Equal(0, VoterPlacement.PartitionOf(BitConverter.GetBytes((long)i * 7919L), 1)));
    }
}
