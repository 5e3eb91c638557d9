using LiveVote.Server.Audit;
using LiveVote.Server.Polls;
using LiveVote.Server.Storage;
using LiveVote.Server.Votes;

namespace LiveVote.Server.Tests.Storage;

/// <summary>The one vote rule, without a store: lookups in memory, decisions and chain entries checked directly.</summary>
public sealed class BatchDeciderTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000);
    private static readonly Poll Open = PollRules.Create("p1", "Who?", [("a", "A"), ("b", "B")], At).MoveTo(PollStatus.Open, At);
    private readonly BatchDecider _decider = new();
    private readonly MemoryLookups _store = new();
    private readonly AuditChain _chain = new(0, Sha256Hash.Zero);

    [Fact]
    public void FirstVote_ForOpenPoll_IsAcceptedWithItsChainEntryAndTallyDelta()
    {
        _store.OpenPolls.Add(Open.Id);
        var batch = Batch(b => b.AddVote(new BatchVote(Open, 1, Voter(1))));

        _decider.Decide(batch, _chain, _store);

        var result = batch.Results[0];
        Assert.Equal(VoteOutcome.Accepted, result.Outcome);
        var entry = Assert.Single(_chain.Appended);
        Assert.Equal((AuditKinds.Vote, Open.Id, "b", Voter(1)), (entry.Kind, entry.PollId, entry.OptionId, entry.VoterKey!.Value));
        Assert.Equal((entry.Seq, entry.Hash), (result.Seq, result.Receipt));
        Assert.Equal([0], _decider.Accepted);
        Assert.Equal(1, _decider.TallyDeltas[(Open.Id, "b")]);
    }

    [Fact]
    public void SameVoterTwiceInOneBatch_SameOptionIsDuplicate_OtherOptionIsAlreadyVoted_BothNamingTheFirst()
    {
        _store.OpenPolls.Add(Open.Id);
        var batch = Batch(b =>
        {
            b.AddVote(new BatchVote(Open, 0, Voter(1)));
            b.AddVote(new BatchVote(Open, 0, Voter(1)));
            b.AddVote(new BatchVote(Open, 1, Voter(1)));
        });

        _decider.Decide(batch, _chain, _store);

        Assert.Equal([VoteOutcome.Accepted, VoteOutcome.Duplicate, VoteOutcome.AlreadyVoted], batch.Results.ToArray().Select(r => r.Outcome));
        Assert.Equal(batch.Results[0] with { Outcome = VoteOutcome.Duplicate }, batch.Results[1]);
        Assert.Equal(batch.Results[0] with { Outcome = VoteOutcome.AlreadyVoted }, batch.Results[2]);
        Assert.Single(_chain.Appended);
        Assert.Equal(1, _decider.TallyDeltas[(Open.Id, "a")]);
    }

    [Fact]
    public void VoterWithAStandingVoteInTheStore_GetsItsIdAndReceiptBack()
    {
        _store.OpenPolls.Add(Open.Id);
        var receipt = Sha256Hash.Read(new byte[32].AsSpan().ToArray().Select((_, i) => (byte)i).ToArray());
        _store.Standing[(Open.Id, Voter(7))] = new StandingVote("a", 42, receipt, Chain: 3, Leaf: 9);
        var batch = Batch(b => b.AddVote(new BatchVote(Open, 0, Voter(7))));

        _decider.Decide(batch, _chain, _store);

        Assert.Equal(new VoteResult(VoteOutcome.Duplicate, 42, receipt, 3, 9), batch.Results[0]);
        Assert.Empty(_chain.Appended);
        Assert.Empty(_decider.Accepted);
    }

    [Fact]
    public void Vote_ForPollNotOpenInTheStore_IsRefusedWithoutEntry()
    {
        var batch = Batch(b => b.AddVote(new BatchVote(Open, 0, Voter(1))));

        _decider.Decide(batch, _chain, _store);

        Assert.Equal(VoteOutcome.PollNotOpen, batch.Results[0].Outcome);
        Assert.Empty(_chain.Appended);
        Assert.Empty(_decider.TallyDeltas);
    }

    [Fact]
    public void CloseInTheBatch_RefusesOnlyTheVotesAfterIt_AndTheAuditKeepsArrivalOrder()
    {
        _store.OpenPolls.Add(Open.Id);
        var note = new AuditNote(AuditKinds.RiskDecision, Open.Id, Voter(9), """{"action":"x"}""");
        var batch = Batch(b =>
        {
            b.AddVote(new BatchVote(Open, 0, Voter(1)));
            b.AddNote(note);
            b.AddPollChange(Open.MoveTo(PollStatus.Closed, At), AuditKinds.PollClosed);
            b.AddVote(new BatchVote(Open, 1, Voter(2)));
        });

        _decider.Decide(batch, _chain, _store);

        Assert.Equal([VoteOutcome.Accepted, VoteOutcome.PollNotOpen], batch.Results.ToArray().Select(r => r.Outcome));
        Assert.Equal([AuditKinds.Vote, AuditKinds.RiskDecision, AuditKinds.PollClosed], _chain.Appended.Select(e => e.Kind));
        Assert.Equal([1L, 2L, 3L], _chain.Appended.Select(e => e.Seq));
        Assert.Equal(note.Data, _chain.Appended[1].Data);
    }

    [Fact]
    public void OpenInTheBatch_CountsTheVotesAfterIt()
    {
        var draft = PollRules.Create("p2", "Which?", [("x", "X"), ("y", "Y")], At);
        var batch = Batch(b =>
        {
            b.AddVote(new BatchVote(draft, 0, Voter(1)));
            b.AddPollChange(draft.MoveTo(PollStatus.Open, At), AuditKinds.PollOpened);
            b.AddVote(new BatchVote(draft, 1, Voter(2)));
        });

        _decider.Decide(batch, _chain, _store);

        Assert.Equal([VoteOutcome.PollNotOpen, VoteOutcome.Accepted], batch.Results.ToArray().Select(r => r.Outcome));
        Assert.Equal([1], _decider.Accepted);
    }

    [Fact]
    public void Decide_StartsEachBatchAfresh()
    {
        _store.OpenPolls.Add(Open.Id);
        _decider.Decide(Batch(b => b.AddVote(new BatchVote(Open, 0, Voter(1)))), _chain, _store);
        _chain.Mark();

        _decider.Decide(Batch(b => b.AddVote(new BatchVote(Open, 1, Voter(2)))), _chain, _store);

        Assert.Equal([0], _decider.Accepted);
        Assert.Equal(new Dictionary<(string, string), long> { [(Open.Id, "b")] = 1 }, _decider.TallyDeltas);
    }

    private static WriteBatch Batch(Action<WriteBatch> fill)
    {
        var batch = new WriteBatch(16) { AtUnixMs = At.ToUnixTimeMilliseconds() };
        fill(batch);
        return batch;
    }

    private static VoterKey Voter(int n) => new(0, (ulong)n);

    private sealed class MemoryLookups : IBatchLookups
    {
        public HashSet<string> OpenPolls { get; } = new(StringComparer.Ordinal);

        public Dictionary<(string, VoterKey), StandingVote> Standing { get; } = [];

        public bool IsOpen(string pollId) => OpenPolls.Contains(pollId);

        public bool TryGetStanding(string pollId, in VoterKey voterKey, out StandingVote vote) => Standing.TryGetValue((pollId, voterKey), out vote);

        public void AddStanding(string pollId, in VoterKey voterKey, in StandingVote vote) => Standing[(pollId, voterKey)] = vote;
    }
}
