using LiveVote.Cli.Loadgen;
using LiveVote.Contracts;

namespace LiveVote.Cli.Tests.Loadgen;

/// <summary>The load generator finds each acknowledged vote id in the trail: the ids it rebuilds must be the server's.</summary>
public sealed class EndOfRunFactsTests
{
    [Theory]
    [InlineData(0, 17, null, "17")]
    [InlineData(3, 17, null, "3-17")]
    [InlineData(3, 17, 1, "1.3-17")]
    public void VoteId_OfAnEntry_IsTheIdTheServerGave(int chain, long seq, int? partition, string expected)
    {
        var entry = new AuditEntryDto(seq, "vote", "p", "00", "a", DateTimeOffset.UnixEpoch, null, "00", "00", chain);

        Assert.Equal(expected, EndOfRunFacts.VoteId(entry, partition));
    }
}
