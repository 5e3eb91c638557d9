using LiveVote.Server.Audit;
using LiveVote.Server.Tests.Infrastructure;
using LiveVote.Server.Votes;

namespace LiveVote.Server.Tests.Audit;

/// <summary>The Merkle logs the chain keeps beside its links: one per poll, rewound and restarted with it.</summary>
public sealed class AuditChainLogTests
{
    [Fact]
    public void Append_NumbersLeavesPerPoll_AndGivesEntriesWithoutPollNoLeaf()
    {
        var chain = new AuditChain(0, Sha256Hash.Zero);

        var p0 = chain.Append(AuditKinds.PollCreated, "p", null, null, 1, "{}");
        var q0 = chain.Append(AuditKinds.PollCreated, "q", null, null, 1, "{}");
        var lockout = chain.Append(AuditKinds.AdminLockout, null, null, null, 1, "{}");
        var p1 = chain.Append(AuditKinds.Vote, "p", new VoterKey(1, 1), "a", 2, null);
        var q1 = chain.Append(AuditKinds.Vote, "q", new VoterKey(1, 1), "a", 2, null);
        var p2 = chain.Append(AuditKinds.Vote, "p", new VoterKey(1, 2), "b", 2, null);

        Assert.Equal([0L, 1, 2], [p0.Leaf, p1.Leaf, p2.Leaf]);
        Assert.Equal([0L, 1], [q0.Leaf, q1.Leaf]);
        Assert.Equal(-1, lockout.Leaf);
        Assert.Equal(3, chain.Log("p")!.Size);
        Assert.Equal(IndependentRoot(p0, p1, p2), chain.Log("p")!.Root().ToString());
        Assert.Equal(IndependentRoot(q0, q1), chain.Log("q")!.Root().ToString());
        Assert.Equal(["p", "q"], chain.GrownLogs.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Rewind_PutsEveryLogBackWhereItWasAtTheMark()
    {
        var chain = new AuditChain(0, Sha256Hash.Zero);
        var kept = chain.Append(AuditKinds.PollOpened, "p", null, null, 1, null);
        chain.Mark();
        var rootAtMark = chain.Log("p")!.Root();

        chain.Append(AuditKinds.Vote, "p", new VoterKey(0, 1), "a", 2, null);
        chain.Append(AuditKinds.Vote, "p", new VoterKey(0, 2), "a", 2, null);
        chain.Append(AuditKinds.PollCreated, "new", null, null, 2, "{}");
        chain.Rewind();

        Assert.Equal(1, chain.Log("p")!.Size);
        Assert.Equal(rootAtMark, chain.Log("p")!.Root());
        Assert.Null(chain.Log("new"));
        Assert.Empty(chain.CompletedNodes);

        // The retried vote takes the forgotten leaf again, in a log whose root covers the durable leaf and it only.
        var retried = chain.Append(AuditKinds.Vote, "p", new VoterKey(0, 1), "a", 3, null);
        Assert.Equal(1, retried.Leaf);
        Assert.Equal(IndependentRoot(kept, retried), chain.Log("p")!.Root().ToString());
    }

    [Fact]
    public void Rewind_OfASecondBatch_KeepsWhatTheFirstBatchCommitted()
    {
        var chain = new AuditChain(0, Sha256Hash.Zero);
        chain.Mark();
        var first = chain.Append(AuditKinds.Vote, "p", new VoterKey(0, 1), "a", 1, null);
        chain.Mark();
        chain.Append(AuditKinds.Vote, "p", new VoterKey(0, 2), "a", 2, null);

        chain.Rewind();

        Assert.Equal(IndependentRoot(first), chain.Log("p")!.Root().ToString());
    }

    [Fact]
    public void Restart_StartsEveryLogEmptyInTheNewChain()
    {
        var chain = new AuditChain(0, Sha256Hash.Zero);
        chain.Append(AuditKinds.Vote, "p", new VoterKey(0, 1), "a", 1, null);
        chain.Mark();

        chain.Restart(7);
        var entry = chain.Append(AuditKinds.Vote, "p", new VoterKey(0, 2), "a", 2, null);

        Assert.Equal((7, 0L), (entry.Chain, entry.Leaf));
        Assert.Equal(1, chain.Log("p")!.Size);
    }

    [Fact]
    public void The256thLeaf_CompletesTheFirstStoredNode_WithTheSubtreesRoot()
    {
        var chain = new AuditChain(0, Sha256Hash.Zero);
        chain.Mark();
        var entries = new List<AuditEntry>();
        for (var i = 0; i < 255; i++)
        {
            entries.Add(chain.Append(AuditKinds.Vote, "p", new VoterKey(0, (ulong)i), "a", 1, null));
        }

        Assert.Empty(chain.CompletedNodes);
        entries.Add(chain.Append(AuditKinds.Vote, "p", new VoterKey(0, 255), "a", 1, null));

        var (pollId, node) = Assert.Single(chain.CompletedNodes);
        Assert.Equal(("p", 8, 0L), (pollId, node.Level, node.Index));
        Assert.Equal(IndependentRoot([.. entries]), node.Hash.ToString());

        chain.Mark();
        Assert.Empty(chain.CompletedNodes);
    }

    private static string IndependentRoot(params AuditEntry[] entries) =>
        IndependentMerkle.Root([.. entries.Select(e => IndependentMerkle.LeafHash(e.Hash.ToString()))]);
}
