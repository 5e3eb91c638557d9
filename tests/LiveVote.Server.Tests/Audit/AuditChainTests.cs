using LiveVote.Server.Audit;
using LiveVote.Server.Votes;

namespace LiveVote.Server.Tests.Audit;

public sealed class AuditChainTests
{
    [Fact]
    public void Append_FromGenesis_NumbersFromOneAndLinksEachEntryToThePrevious()
    {
        var chain = new AuditChain(0, Sha256Hash.Zero);

        var first = chain.Append(AuditKinds.PollCreated, "p", null, null, 100, "{}");
        var second = chain.Append(AuditKinds.Vote, "p", new VoterKey(1, 2), "a", 101, null);

        Assert.Equal((1L, Sha256Hash.Zero), (first.Seq, first.PrevHash));
        Assert.Equal((2L, first.Hash), (second.Seq, second.PrevHash));
        Assert.Equal(AuditEntry.ComputeHash(2, AuditKinds.Vote, "p", new VoterKey(1, 2), "a", 101, null, first.Hash), second.Hash);
        Assert.Equal((2L, second.Hash), (chain.LastSeq, chain.LastHash));
        Assert.Equal(
            IndependentAuditHash(second),
            second.Hash.ToString());
    }

    [Fact]
    public void Rewind_ForgetsEverythingAppendedSinceMark()
    {
        var chain = new AuditChain(10, Sha256Hash.Read(new byte[32].Select((_, i) => (byte)i).ToArray()));
        var durable = chain.Append(AuditKinds.Vote, "p", new VoterKey(0, 1), "a", 1, null);
        chain.Mark();

        chain.Append(AuditKinds.Vote, "p", new VoterKey(0, 2), "a", 2, null);
        chain.Append(AuditKinds.Vote, "p", new VoterKey(0, 3), "b", 2, null);
        Assert.Equal(13, chain.LastSeq);
        chain.Rewind();

        Assert.Equal((11L, durable.Hash), (chain.LastSeq, chain.LastHash));
        Assert.Equal(11, chain.MarkedSeq);

        // The next append reuses the forgotten seq, linked to the durable head.
        var retried = chain.Append(AuditKinds.Vote, "p", new VoterKey(0, 2), "a", 3, null);
        Assert.Equal((12L, durable.Hash), (retried.Seq, retried.PrevHash));
    }

    [Fact]
    public void Rewind_WithoutAppend_KeepsTheHead()
    {
        var chain = new AuditChain(5, Sha256Hash.Zero);
        chain.Mark();

        chain.Rewind();

        Assert.Equal((5L, Sha256Hash.Zero), (chain.LastSeq, chain.LastHash));
    }

    [Fact]
    public void Mark_AfterASuccessfulBatch_MakesItTheNewRewindPoint()
    {
        var chain = new AuditChain(0, Sha256Hash.Zero);
        chain.Mark();
        var kept = chain.Append(AuditKinds.PollOpened, "p", null, null, 1, null);
        chain.Mark();
        chain.Append(AuditKinds.PollClosed, "p", null, null, 2, null);

        chain.Rewind();

        Assert.Equal((1L, kept.Hash), (chain.LastSeq, chain.LastHash));
    }

    private static string IndependentAuditHash(AuditEntry e) =>
        Infrastructure.IndependentAudit.Hash(e.Seq, e.Kind, e.PollId, e.VoterKey?.ToString(), e.OptionId, e.AtUnixMs, e.Data, e.PrevHash.ToString());
}
