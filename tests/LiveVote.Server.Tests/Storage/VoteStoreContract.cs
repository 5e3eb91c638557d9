using LiveVote.Server.Audit;
using LiveVote.Server.Ingest;
using LiveVote.Server.Polls;
using LiveVote.Server.Storage;
using LiveVote.Server.Votes;

namespace LiveVote.Server.Tests.Storage;

/// <summary>
/// What every <see cref="IVoteStore"/> must do, run against each store (SQLite, PostgreSQL) on its own empty storage
/// per test. It talks to the store directly, the way the batch writer does: batches in, decisions and audit out.
/// Where the stores legitimately differ, a subclass says how through the small abstract members below, never through
/// a check of the store's type.
/// </summary>
public abstract class VoteStoreContract : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000);
    private readonly List<IVoteStore> _stores = [];
    private long _clockMs = Start.ToUnixTimeMilliseconds();

    /// <summary>Creates this test's empty storage (a temp file, a fresh database).</summary>
    public abstract Task InitializeAsync();

    public virtual async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }
    }

    /// <summary>A new, unopened store instance on this test's storage.</summary>
    protected abstract IVoteStore NewStore();

    /// <summary>
    /// Whether a store reopened on the same storage hands the writer the old chain head to continue (SQLite: one
    /// chain for the store) or the writer starts a new chain under a new writer id (PostgreSQL: a chain per writer).
    /// </summary>
    protected abstract bool ResumesChainOnReopen { get; }

    /// <summary>
    /// Whether a second store may write the same storage at once (PostgreSQL: many nodes, duplicates settled by the
    /// unique key) or opening it is refused (SQLite: one owner, whose in-memory dedup index is then exact).
    /// </summary>
    protected abstract bool AdmitsSecondWriter { get; }

    /// <summary>The public vote id naming a vote's audit entry: "seq" in SQLite's one chain, "chain-seq" with writer chains.</summary>
    protected abstract string ExpectedVoteId(AuditEntry entry);

    /// <summary>Makes this test's storage unreachable (file deleted, database dropped).</summary>
    protected abstract Task DestroyStorageAsync();

    [Fact]
    public async Task Open_EmptyStorage_HasNoPollsTalliesVotesOrChain()
    {
        var writer = await OpenWriterAsync();

        Assert.Empty(writer.State.Polls);
        Assert.Empty(writer.State.Tallies);
        Assert.Equal(0, writer.State.VoteCount);
        Assert.Equal(0, writer.State.LastSeq);
        Assert.Equal(Sha256Hash.Zero, writer.State.LastHash);
    }

    [Fact]
    public async Task Polls_CreatedOpenedAndClosed_ReadBackIdenticallyAfterReopen()
    {
        var writer = await OpenWriterAsync();
        var draft = NewPoll("p-draft", "x", "y", "z");
        var open = await CreateOpenPollAsync(writer, "p-open");
        var closed = (await CreateOpenPollAsync(writer, "p-closed")).MoveTo(PollStatus.Closed, Start.AddMinutes(5));
        await writer.CommitAsync(b => b.AddPollChange(draft, AuditKinds.PollCreated));
        await writer.CommitAsync(b => b.AddPollChange(closed, AuditKinds.PollClosed));

        var reopened = await ReopenAsync(writer);

        Assert.Equal(3, reopened.State.Polls.Count);
        AssertSamePoll(open, reopened.State.Polls.Single(p => p.Id == open.Id));
        AssertSamePoll(closed, reopened.State.Polls.Single(p => p.Id == closed.Id));
        AssertSamePoll(draft, reopened.State.Polls.Single(p => p.Id == draft.Id));
        Assert.Equal([0L, 0L, 0L], reopened.State.Tallies[draft.Id]);
        Assert.Equal([0L, 0L], reopened.State.Tallies[open.Id]);
    }

    [Fact]
    public async Task Vote_SameVoteInLaterBatch_IsDuplicateWithSameSeqReceiptAndChain()
    {
        var writer = await OpenWriterAsync();
        var poll = await CreateOpenPollAsync(writer, "p1");

        var first = await writer.VoteAsync((poll, "a", Voter(1)));
        var again = await writer.VoteAsync((poll, "a", Voter(1)));

        Assert.Equal(VoteOutcome.Accepted, first[0].Outcome);
        Assert.Equal(VoteOutcome.Duplicate, again[0].Outcome);
        Assert.Equal((first[0].Seq, first[0].Receipt, first[0].Chain), (again[0].Seq, again[0].Receipt, again[0].Chain));
        var tallies = (await ReopenAsync(writer)).State.Tallies[poll.Id];
        Assert.Equal([1L, 0L], tallies);
    }

    [Fact]
    public async Task Vote_OtherOptionInLaterBatch_IsAlreadyVotedAndLeavesTallyUnchanged()
    {
        var writer = await OpenWriterAsync();
        var poll = await CreateOpenPollAsync(writer, "p1");

        var first = await writer.VoteAsync((poll, "a", Voter(1)));
        var second = await writer.VoteAsync((poll, "b", Voter(1)));

        Assert.Equal(VoteOutcome.AlreadyVoted, second[0].Outcome);
        Assert.Equal((first[0].Seq, first[0].Receipt, first[0].Chain), (second[0].Seq, second[0].Receipt, second[0].Chain));
        var reopened = await ReopenAsync(writer);
        Assert.Equal([1L, 0L], reopened.State.Tallies[poll.Id]);
        Assert.Equal(1, reopened.State.VoteCount);
        Assert.Single(await ReadAllAuditAsync(reopened.Store, poll.Id), e => e.Kind == AuditKinds.Vote);
    }

    [Fact]
    public async Task Votes_SameVoterTwiceInOneBatch_AreSettledExactlyOnce()
    {
        var writer = await OpenWriterAsync();
        var poll = await CreateOpenPollAsync(writer, "p1");

        var results = await writer.VoteAsync(
            (poll, "a", Voter(1)), (poll, "a", Voter(1)), // the same vote twice
            (poll, "b", Voter(2)), (poll, "a", Voter(2)), // one voter, two options
            (poll, "b", Voter(3)));

        Assert.Equal(
            [VoteOutcome.Accepted, VoteOutcome.Duplicate, VoteOutcome.Accepted, VoteOutcome.AlreadyVoted, VoteOutcome.Accepted],
            results.Select(r => r.Outcome));
        Assert.Equal((results[0].Seq, results[0].Receipt, results[0].Chain), (results[1].Seq, results[1].Receipt, results[1].Chain));
        Assert.Equal((results[2].Seq, results[2].Receipt, results[2].Chain), (results[3].Seq, results[3].Receipt, results[3].Chain));
        var reopened = await ReopenAsync(writer);
        Assert.Equal([1L, 2L], reopened.State.Tallies[poll.Id]);
        var votes = (await ReadAllAuditAsync(reopened.Store, poll.Id)).Where(e => e.Kind == AuditKinds.Vote).ToArray();
        Assert.Equal([Voter(1), Voter(2), Voter(3)], votes.Select(e => e.VoterKey!.Value));
        Assert.Equal(["a", "b", "b"], votes.Select(e => e.OptionId));
    }

    [Fact]
    public async Task Tallies_AfterReopen_EqualTheAcceptedVotes()
    {
        var writer = await OpenWriterAsync();
        var poll = await CreateOpenPollAsync(writer, "p1", "a", "b", "c");
        var other = await CreateOpenPollAsync(writer, "p2");
        var accepted = new Dictionary<(string Poll, string Option), long>();
        for (var batch = 0; batch < 4; batch++)
        {
            // Voters overlap between batches: later batches repeat earlier voters with the same or another option.
            var votes = Enumerable.Range(batch * 5, 8)
                .Select(n => (Poll: n % 4 == 0 ? other : poll, Option: (n + batch) % 2 == 0 ? "a" : "b", Key: Voter(n)))
                .ToArray();
            var results = await writer.VoteAsync(votes);
            for (var i = 0; i < votes.Length; i++)
            {
                if (results[i].Outcome == VoteOutcome.Accepted)
                {
                    var key = (votes[i].Poll.Id, votes[i].Option);
                    accepted[key] = accepted.GetValueOrDefault(key) + 1;
                }
            }
        }

        var reopened = await ReopenAsync(writer);

        Assert.Equal(accepted.Values.Sum(), reopened.State.VoteCount);
        Assert.True(reopened.State.VoteCount < 32, "the batches repeated voters: some votes must not have been accepted");
        foreach (var p in new[] { poll, other })
        {
            var expected = p.Options.Select(o => accepted.GetValueOrDefault((p.Id, o.Id))).ToArray();
            Assert.Equal(expected, reopened.State.Tallies[p.Id]);
            var voteEntries = (await ReadAllAuditAsync(reopened.Store, p.Id)).Count(e => e.Kind == AuditKinds.Vote);
            Assert.Equal(expected.Sum(), voteEntries);
        }
    }

    [Fact]
    public async Task Vote_RepeatedAfterReopen_IsStillADuplicateOfTheStandingVote()
    {
        var writer = await OpenWriterAsync();
        var poll = await CreateOpenPollAsync(writer, "p1");
        var first = await writer.VoteAsync((poll, "a", Voter(1)), (poll, "b", Voter(2)));

        var reopened = await ReopenAsync(writer);
        var after = await reopened.VoteAsync((poll, "a", Voter(1)), (poll, "a", Voter(2)), (poll, "a", Voter(3)));

        Assert.Equal(VoteOutcome.Duplicate, after[0].Outcome);
        Assert.Equal((first[0].Seq, first[0].Receipt, first[0].Chain), (after[0].Seq, after[0].Receipt, after[0].Chain));
        Assert.Equal(VoteOutcome.AlreadyVoted, after[1].Outcome);
        Assert.Equal((first[1].Seq, first[1].Receipt, first[1].Chain), (after[1].Seq, after[1].Receipt, after[1].Chain));
        Assert.Equal(VoteOutcome.Accepted, after[2].Outcome);
        var tallies = (await ReopenAsync(reopened)).State.Tallies[poll.Id];
        Assert.Equal([2L, 1L], tallies);
    }

    [Fact]
    public async Task Audit_ReadBack_IsInOrderHashesChainAndReceiptsAreEntryHashes()
    {
        var writer = await OpenWriterAsync();
        var poll = await CreateOpenPollAsync(writer, "p1");
        var votes = await writer.VoteAsync((poll, "a", Voter(1)), (poll, "b", Voter(2)));
        var more = await writer.VoteAsync((poll, "b", Voter(3)));
        await writer.CommitAsync(b => b.AddPollChange(poll.MoveTo(PollStatus.Closed, Start.AddMinutes(1)), AuditKinds.PollClosed));

        var entries = await ReadAllAuditAsync(writer.Store, poll.Id);

        Assert.Equal(
            [AuditKinds.PollCreated, AuditKinds.PollOpened, AuditKinds.Vote, AuditKinds.Vote, AuditKinds.Vote, AuditKinds.PollClosed],
            entries.Select(e => e.Kind));
        Assert.Equal([Voter(1), Voter(2), Voter(3)], entries.Where(e => e.Kind == AuditKinds.Vote).Select(e => e.VoterKey!.Value));
        Assert.Contains("\"title\":\"Poll p1\"", entries[0].Data!, StringComparison.Ordinal);
        AssertChainsVerify(entries);
        foreach (var stored in votes.Concat(more))
        {
            var entry = Assert.Single(entries, e => e.Chain == stored.Chain && e.Seq == stored.Seq);
            Assert.Equal(entry.Hash, stored.Receipt);
            Assert.Equal(ExpectedVoteId(entry), new VoteResult(VoteOutcome.Accepted, stored.Seq, stored.Receipt, stored.Chain).VoteId);
        }
    }

    [Fact]
    public async Task Vote_ForPollClosedSinceItWasQueued_IsRefusedAndNotCounted()
    {
        var writer = await OpenWriterAsync();
        var queuedWhileOpen = await CreateOpenPollAsync(writer, "p1");
        await writer.VoteAsync((queuedWhileOpen, "a", Voter(1)));
        await writer.CommitAsync(b => b.AddPollChange(queuedWhileOpen.MoveTo(PollStatus.Closed, Start.AddMinutes(1)), AuditKinds.PollClosed));

        // The vote still carries the poll as it was when queued (open): the store must go by what it holds.
        var late = await writer.VoteAsync((queuedWhileOpen, "b", Voter(2)));

        Assert.Equal(VoteOutcome.PollNotOpen, late[0].Outcome);
        var reopened = await ReopenAsync(writer);
        Assert.Equal([1L, 0L], reopened.State.Tallies[queuedWhileOpen.Id]);
        Assert.DoesNotContain(await ReadAllAuditAsync(reopened.Store, queuedWhileOpen.Id), e => e.VoterKey == Voter(2));
    }

    [Fact]
    public async Task Vote_AfterItsPollsCloseInTheSameBatch_IsRefused()
    {
        var writer = await OpenWriterAsync();
        var poll = await CreateOpenPollAsync(writer, "p1");

        var results = await writer.CommitAsync(b =>
        {
            b.AddVote(new BatchVote(poll, 0, Voter(1)));
            b.AddPollChange(poll.MoveTo(PollStatus.Closed, Start.AddMinutes(1)), AuditKinds.PollClosed);
            b.AddVote(new BatchVote(poll, 1, Voter(2)));
        });

        Assert.Equal([VoteOutcome.Accepted, VoteOutcome.PollNotOpen], results.Select(r => r.Outcome));
        var entries = await ReadAllAuditAsync(writer.Store, poll.Id);
        Assert.Equal([AuditKinds.PollCreated, AuditKinds.PollOpened, AuditKinds.Vote, AuditKinds.PollClosed], entries.Select(e => e.Kind));
        var tallies = (await ReopenAsync(writer)).State.Tallies[poll.Id];
        Assert.Equal([1L, 0L], tallies);
    }

    [Fact]
    public async Task Vote_ForPollTheStoreDoesNotHold_IsRefused()
    {
        var writer = await OpenWriterAsync();
        var unknown = NewPoll("p-unknown", "a", "b").MoveTo(PollStatus.Open, Start);

        var results = await writer.VoteAsync((unknown, "a", Voter(1)));

        Assert.Equal(VoteOutcome.PollNotOpen, results[0].Outcome);
        var reopened = await ReopenAsync(writer);
        Assert.Equal(0, reopened.State.VoteCount);
        Assert.Empty(await ReadAllAuditAsync(reopened.Store, unknown.Id));
    }

    [Fact]
    public async Task AuditNote_PersistsInChainOrderWithItsDataAndChangesNoTally()
    {
        var writer = await OpenWriterAsync();
        var poll = await CreateOpenPollAsync(writer, "p1");
        const string data = """{"action":"challenge","reason":"velocity","score":70}""";

        await writer.CommitAsync(b =>
        {
            b.AddVote(new BatchVote(poll, 0, Voter(1)));
            b.AddNote(new AuditNote(AuditKinds.RiskDecision, poll.Id, Voter(2), data));
            b.AddVote(new BatchVote(poll, 1, Voter(3)));
        });

        var reopened = await ReopenAsync(writer);
        var entries = await ReadAllAuditAsync(reopened.Store, poll.Id);
        Assert.Equal([AuditKinds.PollCreated, AuditKinds.PollOpened, AuditKinds.Vote, AuditKinds.RiskDecision, AuditKinds.Vote], entries.Select(e => e.Kind));
        var note = entries[3];
        Assert.Equal(poll.Id, note.PollId);
        Assert.Equal(Voter(2), note.VoterKey);
        Assert.Equal(data, note.Data);
        Assert.Null(note.OptionId);
        AssertChainsVerify(entries);
        Assert.Equal([1L, 1L], reopened.State.Tallies[poll.Id]);
        Assert.Equal(2, reopened.State.VoteCount);
    }

    [Fact]
    public async Task Reopen_GivesTheWriterWhatItNeedsToContinueTheChain()
    {
        var writer = await OpenWriterAsync();
        var poll = await CreateOpenPollAsync(writer, "p1");
        await writer.VoteAsync((poll, "a", Voter(1)));
        var before = (await ReadAllAuditAsync(writer.Store, poll.Id))[^1];

        var reopened = await ReopenAsync(writer);
        var after = await reopened.VoteAsync((poll, "b", Voter(2)));

        var entries = await ReadAllAuditAsync(reopened.Store, poll.Id);
        var next = Assert.Single(entries, e => e.VoterKey == Voter(2));
        Assert.Equal((next.Seq, next.Hash, next.Chain), (after[0].Seq, after[0].Receipt, after[0].Chain));
        if (ResumesChainOnReopen)
        {
            Assert.Equal((before.Seq, before.Hash), (reopened.State.LastSeq, reopened.State.LastHash));
            Assert.Equal((before.Chain, before.Seq + 1, before.Hash), (next.Chain, next.Seq, next.PrevHash));
        }
        else
        {
            Assert.Equal((0L, Sha256Hash.Zero), (reopened.State.LastSeq, reopened.State.LastHash));
            Assert.NotEqual(before.Chain, next.Chain);
            Assert.Equal((1L, Sha256Hash.Zero), (next.Seq, next.PrevHash));
        }

        AssertChainsVerify(entries);
    }

    [Fact]
    public async Task ReadAudit_PagesByCursorAndLimit_OverOnlyThatPoll()
    {
        var writer = await OpenWriterAsync();
        var poll = await CreateOpenPollAsync(writer, "p1");
        var other = await CreateOpenPollAsync(writer, "p2");
        for (var i = 0; i < 3; i++)
        {
            await writer.VoteAsync((poll, "a", Voter(10 + i)), (other, "a", Voter(20 + i)), (poll, "b", Voter(30 + i)));
        }

        var all = await writer.Store.ReadAuditAsync(poll.Id, 0, 1000, CancellationToken.None);
        var pages = new List<IReadOnlyList<AuditEntry>>();
        var cursor = 0L;
        while (true)
        {
            var page = await writer.Store.ReadAuditAsync(poll.Id, cursor, 3, CancellationToken.None);
            if (page.Count == 0)
            {
                break;
            }

            pages.Add(page);
            cursor = page[^1].Cursor;
        }

        Assert.Equal(8, all.Count); // created, opened, 6 votes
        Assert.All(all, e => Assert.Equal(poll.Id, e.PollId));
        Assert.Equal([3, 3, 2], pages.Select(p => p.Count));
        Assert.Equal(all.Select(e => (e.Chain, e.Seq)), pages.SelectMany(p => p).Select(e => (e.Chain, e.Seq)));
        Assert.Equal(all.Select(e => e.Cursor).Order(), all.Select(e => e.Cursor));
        Assert.Equal(all.Skip(5).Select(e => e.Hash), (await writer.Store.ReadAuditAsync(poll.Id, all[4].Cursor, 100, CancellationToken.None)).Select(e => e.Hash));
        Assert.Empty(await writer.Store.ReadAuditAsync(poll.Id, all[^1].Cursor, 100, CancellationToken.None));
    }

    [Fact]
    public async Task Ping_OpenStore_IsTrue()
    {
        var writer = await OpenWriterAsync();
        await CreateOpenPollAsync(writer, "p1");

        Assert.True(await writer.Store.PingAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Ping_StorageGone_IsFalse()
    {
        var writer = await OpenWriterAsync();

        await DestroyStorageAsync();

        Assert.False(await writer.Store.PingAsync(CancellationToken.None));
    }

    [Fact]
    public async Task SecondWriter_OnTheSameStorage_NeverAcceptsAVoteTwice()
    {
        var first = await OpenWriterAsync();
        var poll = await CreateOpenPollAsync(first, "p1");
        var standing = await first.VoteAsync((poll, "a", Voter(1)));

        if (!AdmitsSecondWriter)
        {
            // One owner only: a second store on the same storage is refused before it could accept anything.
            var second = NewStore();
            _stores.Add(second);
            await Assert.ThrowsAsync<InvalidOperationException>(() => second.OpenAsync(CancellationToken.None));
            Assert.Equal(VoteOutcome.Duplicate, (await first.VoteAsync((poll, "a", Voter(1))))[0].Outcome);
            return;
        }

        var other = await OpenWriterAsync();
        var results = await other.VoteAsync((poll, "a", Voter(1)), (poll, "b", Voter(1)), (poll, "b", Voter(2)));

        Assert.Equal([VoteOutcome.Duplicate, VoteOutcome.AlreadyVoted, VoteOutcome.Accepted], results.Select(r => r.Outcome));
        Assert.Equal((standing[0].Seq, standing[0].Receipt, standing[0].Chain), (results[0].Seq, results[0].Receipt, results[0].Chain));
        Assert.NotEqual(standing[0].Chain, results[2].Chain);
        Assert.Equal(VoteOutcome.AlreadyVoted, (await first.VoteAsync((poll, "a", Voter(2))))[0].Outcome);
        var reopened = await ReopenAsync(other);
        Assert.Equal([1L, 1L], reopened.State.Tallies[poll.Id]);
        AssertChainsVerify(await ReadAllAuditAsync(reopened.Store, poll.Id));
    }

    protected static VoterKey Voter(int n) => new(0x5EED_0000_0000_0000UL, (ulong)n);

    private static Poll NewPoll(string id, params string[] options) =>
        PollRules.Create(id, "Poll " + id, options.Select(o => (o, o.ToUpperInvariant())), Start);

    private static async Task<Poll> CreateOpenPollAsync(StoreWriter writer, string id, params string[] options)
    {
        var draft = NewPoll(id, options.Length > 0 ? options : ["a", "b"]);
        var open = draft.MoveTo(PollStatus.Open, Start.AddSeconds(1));
        await writer.CommitAsync(b =>
        {
            b.AddPollChange(draft, AuditKinds.PollCreated);
            b.AddPollChange(open, AuditKinds.PollOpened);
        });
        return open;
    }

    private async Task<StoreWriter> OpenWriterAsync()
    {
        var store = NewStore();
        _stores.Add(store);
        var state = await store.OpenAsync(CancellationToken.None);
        return new StoreWriter(store, state, () => _clockMs += 1000);
    }

    /// <summary>Closes the writer's store (a node stopping) and opens a new instance on the same storage.</summary>
    private async Task<StoreWriter> ReopenAsync(StoreWriter writer)
    {
        _stores.Remove(writer.Store);
        await writer.Store.DisposeAsync();
        return await OpenWriterAsync();
    }

    private static async Task<IReadOnlyList<AuditEntry>> ReadAllAuditAsync(IVoteStore store, string pollId) =>
        await store.ReadAuditAsync(pollId, 0, 1000, CancellationToken.None);

    /// <summary>
    /// Every chain present verifies on its own from genesis: seq 1, 2, 3... each linked to the previous hash, each hash
    /// recomputed with the domain's canonical form. Only valid when the entries are all of their chains' entries.
    /// </summary>
    private static void AssertChainsVerify(IReadOnlyList<AuditEntry> entries)
    {
        Assert.NotEmpty(entries);
        foreach (var chain in entries.GroupBy(e => e.Chain))
        {
            var previous = (Seq: 0L, Hash: Sha256Hash.Zero);
            foreach (var e in chain.OrderBy(e => e.Seq))
            {
                Assert.Equal(previous.Seq + 1, e.Seq);
                Assert.Equal(previous.Hash, e.PrevHash);
                Assert.Equal(AuditEntry.ComputeHash(e.Seq, e.Kind, e.PollId, e.VoterKey, e.OptionId, e.AtUnixMs, e.Data, e.PrevHash), e.Hash);
                previous = (e.Seq, e.Hash);
            }
        }
    }

    private static void AssertSamePoll(Poll expected, Poll actual)
    {
        Assert.Equal((expected.Id, expected.Title, expected.Status), (actual.Id, actual.Title, actual.Status));
        Assert.Equal(expected.Options.ToArray(), actual.Options.ToArray());
        Assert.Equal((expected.CreatedAt, expected.OpenedAt, expected.ClosedAt), (actual.CreatedAt, actual.OpenedAt, actual.ClosedAt));
    }

    /// <summary>A store with the state it opened with and the chain its writer extends, committing batches as the batch writer does.</summary>
    private sealed class StoreWriter(IVoteStore store, StoreState state, Func<long> nextAtUnixMs)
    {
        private readonly AuditChain _chain = new(state.LastSeq, state.LastHash);

        public IVoteStore Store { get; } = store;

        public StoreState State { get; } = state;

        public async Task<VoteResult[]> CommitAsync(Action<WriteBatch> fill)
        {
            var batch = new WriteBatch(64);
            fill(batch);
            batch.AtUnixMs = nextAtUnixMs();
            await Store.CommitAsync(batch, _chain);
            return batch.Results.ToArray();
        }

        public Task<VoteResult[]> VoteAsync(params (Poll Poll, string Option, VoterKey Key)[] votes) =>
            CommitAsync(b =>
            {
                foreach (var (poll, option, key) in votes)
                {
                    b.AddVote(new BatchVote(poll, poll.IndexOfOption(option), key));
                }
            });
    }
}
