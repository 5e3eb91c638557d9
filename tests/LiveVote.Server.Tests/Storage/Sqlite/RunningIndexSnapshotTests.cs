using LiveVote.Server.Audit;
using LiveVote.Server.Polls;
using LiveVote.Server.Storage;
using LiveVote.Server.Storage.Sqlite;
using LiveVote.Server.Votes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Tests.Storage.Sqlite;

/// <summary>
/// The dedup index's snapshot taken while the store runs (<see cref="RunningIndexSnapshot"/>): started after a batch
/// once enough votes came in, copied a few tables per batch, written in the background; a crash (the files copied while
/// the store still holds them, no clean stop) loads it and reads only the votes after its mark. Every case checks the
/// answers each stored voter gets against the first ones.
/// </summary>
public sealed class RunningIndexSnapshotTests : IAsyncLifetime
{
    // A small trigger, so a few batches start a snapshot (the default is a million votes).
    private const long MinVotes = 1000;

    private readonly StoreFolders _folders = new("livevote-running-snapshot");
    private SqliteVoteStore? _store;
    private AuditChain _chain = new(0, Sha256Hash.Zero);

    private string SnapshotPath => VoteIndexSnapshot.PathFor(Path.Combine(_folders.Main, "livevote.db"));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        _folders.Dispose();
    }

    [Fact]
    public async Task RunningStore_WritesASnapshotWithoutAStop_AndACrashReadsOnlyTheVotesAfterItsMark()
    {
        await OpenAsync(_folders.Main);
        var poll = await CreateOpenPollAsync("p1");
        var first = new List<VoteResult>();
        var voters = Enumerable.Range(1, 1350).ToArray();
        foreach (var chunk in voters[..1200].Chunk(300))
        {
            first.AddRange(await VoteAsync(chunk.Select(n => (poll, "a", Voter(n))).ToArray()));
        }

        // The batch that brought the index to 1,200 votes started the snapshot; the store is still running.
        var running = _store!.LastRunningSnapshot;
        Assert.NotNull(running);
        Assert.Equal(1200, running.Votes);
        Assert.True(await running.Written > 0);
        Assert.True(File.Exists(SnapshotPath));
        first.AddRange(await VoteAsync(voters[1200..].Select(n => (poll, "b", Voter(n))).ToArray()));
        Assert.Same(running, _store.LastRunningSnapshot); // 150 more votes are below the trigger

        // The crash: the files as they are, no clean stop. The snapshot is loaded and only the 150 votes after it read.
        var crashed = _folders.CopyOf(_folders.Main, includeSnapshot: true);
        var rebuiltCopy = _folders.CopyOf(_folders.Main, includeSnapshot: false);
        await OpenAsync(crashed);
        Assert.Equal(new IndexLoadReport(FromSnapshot: true, VotesRead: 150, WhyRebuilt: null), _store!.IndexLoad);
        Assert.Equal(1350, _store.IndexSize.Votes);
        var fromSnapshot = await AnswersAsync(poll, voters);

        await OpenAsync(rebuiltCopy);
        Assert.False(_store!.IndexLoad.FromSnapshot);
        var rebuilt = await AnswersAsync(poll, voters);
        Assert.Equal(rebuilt.Retries, fromSnapshot.Retries);
        Assert.Equal(rebuilt.Changes, fromSnapshot.Changes);
        AssertFirstAnswersKept(first, fromSnapshot);
    }

    [Fact]
    public async Task VotesCommittedWhileTheTablesAreCopied_AreAllThereAfterACrash_NoneCountedTwice()
    {
        // One table copied per batch: the 128 tables of two polls are copied over 128 batches, while votes go on.
        await OpenAsync(_folders.Main, copyBytesPerBatch: 1);
        var one = await CreateOpenPollAsync("p1");
        var two = await CreateOpenPollAsync("p2");
        var first = new Dictionary<(string, int), VoteResult>();
        var n = 0;
        await CastAsync(Enumerable.Range(0, 1000).Select(i => i % 2 == 0 ? one : two).ToArray());
        var running = _store!.LastRunningSnapshot;
        Assert.NotNull(running);
        Assert.False(running.Copied);
        for (var batch = 0; batch < 140; batch++)
        {
            await CastAsync(one, two, one, two);
        }

        Assert.Same(running, _store.LastRunningSnapshot);
        await running.Written;

        // Tables copied later hold votes stored after the mark: the file has more than the 1,000 votes of its mark.
        var inFile = VoteIndexSnapshot.TryRead(SnapshotPath, out var mark, out _)!.Values.Sum(p => p.Count);
        Assert.Equal(running.Mark, mark);
        Assert.InRange(inFile, 1001L, 1559L);

        var crashed = _folders.CopyOf(_folders.Main, includeSnapshot: true);
        await OpenAsync(crashed);
        Assert.Equal(new IndexLoadReport(FromSnapshot: true, VotesRead: 560, WhyRebuilt: null), _store!.IndexLoad);
        Assert.Equal(1560, _store.IndexSize.Votes);
        foreach (var poll in new[] { one, two })
        {
            var mine = first.Where(f => f.Key.Item1 == poll.Id).Select(f => f.Key.Item2).Order().ToArray();
            var retries = await VoteAsync(mine.Select(v => (poll, "a", Voter(v))).ToArray());
            var changes = await VoteAsync(mine.Select(v => (poll, "b", Voter(v))).ToArray());
            for (var i = 0; i < mine.Length; i++)
            {
                Assert.Equal(first[(poll.Id, mine[i])] with { Outcome = VoteOutcome.Duplicate }, retries[i]);
                Assert.Equal(first[(poll.Id, mine[i])] with { Outcome = VoteOutcome.AlreadyVoted }, changes[i]);
            }
        }

        async Task CastAsync(params Poll[] polls)
        {
            var batch = polls.Select(p => (p, "a", Voter(++n))).ToArray();
            var results = await VoteAsync(batch);
            for (var i = 0; i < batch.Length; i++)
            {
                Assert.Equal(VoteOutcome.Accepted, results[i].Outcome);
                first[(batch[i].p.Id, n - batch.Length + 1 + i)] = results[i];
            }
        }
    }

    [Fact]
    public async Task VoterKeyDestructionDuringASnapshot_AbandonsIt_AndTheNextOpenIsStillRight()
    {
        await OpenAsync(_folders.Main, copyBytesPerBatch: 1);
        var poll = await CreateOpenPollAsync("p1");
        var shredded = await CreateOpenPollAsync("p2");
        var first = await VoteAsync(Enumerable.Range(1, 1000).Select(n => (poll, "a", Voter(n))).ToArray());
        var running = _store!.LastRunningSnapshot;
        Assert.NotNull(running);
        var later = await VoteAsync((poll, "b", Voter(1001)), (shredded, "a", Voter(1)));

        var closed = shredded.MoveTo(PollStatus.Closed, StoreBatches.Start.AddSeconds(10));
        await ChangeAsync(closed, AuditKinds.PollClosed);
        await ChangeAsync(closed with { VoterSecret = null, VoterKeysDestroyedAt = StoreBatches.Start.AddSeconds(11) }, AuditKinds.VoterKeysDestroyed);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.Written);
        Assert.False(File.Exists(SnapshotPath));

        // The next one (if it started already) is of the new generation; it is not complete after one table.
        Assert.True(_store.LastRunningSnapshot == running || _store.LastRunningSnapshot!.Mark.Generation > running.Mark.Generation);

        var crashed = _folders.CopyOf(_folders.Main, includeSnapshot: true);
        await OpenAsync(crashed);
        Assert.False(_store!.IndexLoad.FromSnapshot);
        var again = await VoteAsync((poll, "b", Voter(1)), (poll, "b", Voter(1001)), (poll, "a", Voter(1002)));
        Assert.Equal(first[0] with { Outcome = VoteOutcome.AlreadyVoted }, again[0]);
        Assert.Equal(later[0] with { Outcome = VoteOutcome.Duplicate }, again[1]);
        Assert.Equal(VoteOutcome.Accepted, again[2].Outcome);
    }

    private static VoterKey Voter(int n) => StoreBatches.Voter(n);

    private static void AssertFirstAnswersKept(List<VoteResult> first, (VoteResult[] Retries, VoteResult[] Changes) answers)
    {
        for (var i = 0; i < first.Count; i++)
        {
            Assert.Equal(first[i] with { Outcome = VoteOutcome.Duplicate }, answers.Retries[i]);
            Assert.Equal(first[i] with { Outcome = VoteOutcome.AlreadyVoted }, answers.Changes[i]);
        }
    }

    /// <summary>Every voter's retry of the first vote (voters below 1,201 chose a, the others b), then a change of mind.</summary>
    private async Task<(VoteResult[] Retries, VoteResult[] Changes)> AnswersAsync(Poll poll, int[] voters)
    {
        var retries = await VoteAsync(voters.Select(n => (poll, n <= 1200 ? "a" : "b", Voter(n))).ToArray());
        var changes = await VoteAsync(voters.Select(n => (poll, n <= 1200 ? "b" : "a", Voter(n))).ToArray());
        return (retries, changes);
    }

    private async Task OpenAsync(string directory, long copyBytesPerBatch = RunningIndexSnapshot.DefaultCopyBytesPerBatch)
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
            SqliteConnection.ClearAllPools();
        }

        _store = new SqliteVoteStore(Options.Create(new SqliteOptions { Path = Path.Combine(directory, "livevote.db"), IndexSnapshotMinVotes = MinVotes }))
        {
            IndexSnapshotCopyBytesPerBatch = copyBytesPerBatch,
        };
        var state = await _store.OpenAsync(CancellationToken.None);
        _chain = new AuditChain(state.LastSeq, state.LastHash);
    }

    private Task<Poll> CreateOpenPollAsync(string id) => StoreBatches.CreateOpenPollAsync(_store!, _chain, id);

    private Task ChangeAsync(Poll poll, string kind) => StoreBatches.ChangeAsync(_store!, _chain, poll, kind);

    private Task<VoteResult[]> VoteAsync(params (Poll Poll, string Option, VoterKey Key)[] votes) => StoreBatches.VoteAsync(_store!, _chain, votes);
}
