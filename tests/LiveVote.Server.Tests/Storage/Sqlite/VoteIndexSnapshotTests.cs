using System.Net;
using LiveVote.Contracts;
using LiveVote.Server.Audit;
using LiveVote.Server.Polls;
using LiveVote.Server.Storage;
using LiveVote.Server.Storage.Sqlite;
using LiveVote.Server.Tests.Infrastructure;
using LiveVote.Server.Votes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Tests.Storage.Sqlite;

/// <summary>
/// The dedup index's snapshot (<see cref="VoteIndexSnapshot"/>): written at a clean stop, loaded at the next open only
/// when it is this database's index up to its mark, then extended by the votes stored after it; refused (and the index
/// rebuilt) when damaged, stale or another database's. Every case checks the answers a voter gets, not only the path.
/// </summary>
public sealed class VoteIndexSnapshotTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = StoreBatches.Start;
    private readonly StoreFolders _folders = new("livevote-index-snapshot");
    private SqliteVoteStore? _store;
    private AuditChain _chain = new(0, Sha256Hash.Zero);

    private string DatabasePath => Path.Combine(_folders.Main, "livevote.db");

    private string SnapshotPath => VoteIndexSnapshot.PathFor(DatabasePath);

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
    public async Task CleanStop_WritesASnapshotThatLoadsWithTheSameAnswersAsARebuild()
    {
        await OpenAsync(_folders.Main);
        var one = await CreateOpenPollAsync("p1");
        var two = await CreateOpenPollAsync("p2");
        var voters = Enumerable.Range(1, 3000).Select(Voter).ToArray();
        var first = new List<VoteResult>();
        foreach (var chunk in voters.Chunk(500))
        {
            first.AddRange(await VoteAsync(chunk.Select(v => (one, "a", v)).ToArray()));
        }

        var inTwo = await VoteAsync((two, "b", voters[0]));
        await CloseAsync();
        Assert.True(File.Exists(SnapshotPath));

        var fromSnapshot = await AnswersAfterOpenAsync();
        Assert.Equal(new IndexLoadReport(FromSnapshot: true, VotesRead: 0, WhyRebuilt: null), _store!.IndexLoad);
        Assert.Equal(3002, _store.IndexSize.Votes); // 3,001 from the snapshot, and the newcomer
        await CloseAsync();

        // The same questions against an index rebuilt from the file (the snapshot moved away) get the same answers.
        File.Delete(SnapshotPath);
        var rebuilt = await AnswersAfterOpenAsync();
        Assert.False(_store!.IndexLoad.FromSnapshot);

        Assert.Equal(rebuilt, fromSnapshot);
        for (var i = 0; i < voters.Length; i += 97)
        {
            Assert.Equal(first[i] with { Outcome = VoteOutcome.Duplicate }, fromSnapshot[i / 97]);
        }

        Assert.Equal(inTwo[0] with { Outcome = VoteOutcome.AlreadyVoted }, fromSnapshot[^2]);
        Assert.Equal(VoteOutcome.Accepted, fromSnapshot[^1].Outcome);

        async Task<VoteResult[]> AnswersAfterOpenAsync()
        {
            // Each run asks on a copy of the file as the first run left it, so both see the same stored votes.
            var copy = _folders.CopyOf(_folders.Main, includeSnapshot: File.Exists(SnapshotPath));
            await OpenAsync(copy);
            var retries = voters.Where((_, i) => i % 97 == 0).Select(v => (one, "a", v));
            return await VoteAsync([.. retries, (two, "a", voters[0]), (two, "a", Voter(50_000))]);
        }
    }

    [Fact]
    public void WrittenTables_ReadBackEqual_AndGoOnTakingVotes()
    {
        var random = new Random(11);
        var index = new PollVoteIndex(expectedVotes: 20_000);
        var stored = new Dictionary<ulong, long>();
        for (long seq = 1; seq <= 20_000; seq++)
        {
            var hash = PollVoteIndex.HashOf(new VoterKey((ulong)random.NextInt64(), (ulong)random.NextInt64()));
            stored[hash] = seq;
            index.Add(hash, seq);
        }

        var mark = new VoteIndexMark(Generation: 3, Seq: 20_005, new Sha256Hash(1, 2, 3, 4));
        VoteIndexSnapshot.Write(SnapshotPath, mark, new Dictionary<string, PollVoteIndex> { ["p1"] = index });
        var read = VoteIndexSnapshot.TryRead(SnapshotPath, out var readMark, out var whyNot);

        Assert.NotNull(read);
        Assert.Equal(("", mark), (whyNot, readMark));
        var copy = Assert.Single(read).Value;
        Assert.Equal((index.Count, index.Bytes), (copy.Count, copy.Bytes));
        foreach (var (hash, seq) in stored)
        {
            var matches = copy.Find(hash);
            Assert.True(matches.MoveNext());
            Assert.Equal(seq, matches.Current);
        }

        // The tables read back are ordinary ones: they take the votes after the mark, growing as they fill.
        for (long seq = 20_006; seq < 40_000; seq++)
        {
            copy.Add(PollVoteIndex.HashOf(new VoterKey((ulong)seq, 1)), seq);
        }

        var late = copy.Find(PollVoteIndex.HashOf(new VoterKey(30_000, 1)));
        Assert.True(late.MoveNext());
        Assert.Equal(30_000, late.Current);
        Assert.Equal(stored.Count + 19_994, copy.Count);
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("flipped body byte")]
    [InlineData("flipped header byte")]
    [InlineData("empty")]
    [InlineData("another format version")]
    public async Task DamagedSnapshot_IsRefusedAndTheIndexRebuilt(string damage)
    {
        await OpenAsync(_folders.Main);
        var poll = await CreateOpenPollAsync("p1");
        var first = await VoteAsync(Enumerable.Range(1, 200).Select(n => (poll, "a", Voter(n))).ToArray());
        await CloseAsync();

        var bytes = File.ReadAllBytes(SnapshotPath);
        bytes = damage switch
        {
            "truncated" => bytes[..^40],
            "flipped body byte" => Flip(bytes, bytes.Length / 2),
            "flipped header byte" => Flip(bytes, 20),
            "empty" => [],
            "another format version" => Flip(bytes, 8),
            _ => throw new ArgumentOutOfRangeException(nameof(damage)),
        };
        File.WriteAllBytes(SnapshotPath, bytes);

        await OpenAsync(_folders.Main);
        Assert.False(_store!.IndexLoad.FromSnapshot);
        Assert.False(string.IsNullOrEmpty(_store.IndexLoad.WhyRebuilt));
        var again = await VoteAsync((poll, "a", Voter(1)), (poll, "b", Voter(2)), (poll, "b", Voter(999)));
        Assert.Equal(first[0] with { Outcome = VoteOutcome.Duplicate }, again[0]);
        Assert.Equal(first[1] with { Outcome = VoteOutcome.AlreadyVoted }, again[1]);
        Assert.Equal(VoteOutcome.Accepted, again[2].Outcome);

        static byte[] Flip(byte[] bytes, int at)
        {
            bytes[at] ^= 0x5A;
            return bytes;
        }
    }

    [Fact]
    public async Task VotesCommittedAfterTheSnapshot_AreFoundByTheCatchUpAfterACrash()
    {
        await OpenAsync(_folders.Main);
        var poll = await CreateOpenPollAsync("p1");
        var before = await VoteAsync(Enumerable.Range(1, 300).Select(n => (poll, "a", Voter(n))).ToArray());
        await CloseAsync();

        // The next run loads that snapshot, stores more votes (a new poll too), and dies: its files are copied as they
        // are while it still holds them, the snapshot of the clean stop before it left in place.
        await OpenAsync(_folders.Main);
        Assert.True(_store!.IndexLoad.FromSnapshot);
        var late = await CreateOpenPollAsync("p2");
        var after = await VoteAsync(Enumerable.Range(301, 200).Select(n => (poll, "b", Voter(n))).Append((late, "a", Voter(1))).ToArray());
        var crashed = _folders.CopyOf(_folders.Main, includeSnapshot: true);

        await CloseAsync();
        await OpenAsync(crashed);
        Assert.Equal(new IndexLoadReport(FromSnapshot: true, VotesRead: 201, WhyRebuilt: null), _store!.IndexLoad);
        var again = await VoteAsync((poll, "b", Voter(1)), (poll, "a", Voter(301)), (poll, "b", Voter(500)), (late, "b", Voter(1)),
            (late, "a", Voter(2)));
        Assert.Equal(before[0] with { Outcome = VoteOutcome.AlreadyVoted }, again[0]);
        Assert.Equal(after[0] with { Outcome = VoteOutcome.AlreadyVoted }, again[1]);
        Assert.Equal(after[199] with { Outcome = VoteOutcome.Duplicate }, again[2]);
        Assert.Equal(after[200] with { Outcome = VoteOutcome.AlreadyVoted }, again[3]);
        Assert.Equal(VoteOutcome.Accepted, again[4].Outcome);
    }

    [Fact]
    public async Task VoterKeyDestructionAfterTheSnapshot_InvalidatesIt()
    {
        await OpenAsync(_folders.Main);
        var poll = await CreateOpenPollAsync("p1");
        var other = await CreateOpenPollAsync("p2");
        var first = await VoteAsync(Enumerable.Range(1, 100).Select(n => (other, "a", Voter(n))).ToArray());
        await CloseAsync();

        // A run after the snapshot destroys a poll's voter-key secret, then dies before a clean stop.
        await OpenAsync(_folders.Main);
        var closed = poll.MoveTo(PollStatus.Closed, Start.AddSeconds(10));
        await ChangeAsync(closed, AuditKinds.PollClosed);
        await ChangeAsync(closed with { VoterSecret = null, VoterKeysDestroyedAt = Start.AddSeconds(11) }, AuditKinds.VoterKeysDestroyed);
        var crashed = _folders.CopyOf(_folders.Main, includeSnapshot: true);

        await CloseAsync();
        await OpenAsync(crashed);
        Assert.False(_store!.IndexLoad.FromSnapshot);
        Assert.Contains("generation", _store.IndexLoad.WhyRebuilt, StringComparison.Ordinal);
        var again = await VoteAsync((other, "b", Voter(1)));
        Assert.Equal(first[0] with { Outcome = VoteOutcome.AlreadyVoted }, again[0]);
    }

    [Fact]
    public async Task AnotherDatabasesSnapshot_IsRefused()
    {
        await OpenAsync(_folders.Main);
        var poll = await CreateOpenPollAsync("p1");
        await VoteAsync(Enumerable.Range(1, 50).Select(n => (poll, "a", Voter(n))).ToArray());
        await CloseAsync();

        // A second database with the same polls but other votes; the first one's snapshot put beside it.
        var otherDirectory = _folders.Create("other");
        await OpenAsync(otherDirectory);
        poll = await CreateOpenPollAsync("p1");
        var mine = await VoteAsync(Enumerable.Range(1000, 50).Select(n => (poll, "b", Voter(n))).ToArray());
        await CloseAsync();
        var otherDatabase = Path.Combine(otherDirectory, "livevote.db");
        File.Copy(SnapshotPath, VoteIndexSnapshot.PathFor(otherDatabase), overwrite: true);

        await OpenAsync(otherDirectory);
        Assert.False(_store!.IndexLoad.FromSnapshot);
        var again = await VoteAsync((poll, "a", Voter(1000)), (poll, "a", Voter(1)));
        Assert.Equal(mine[0] with { Outcome = VoteOutcome.AlreadyVoted }, again[0]);
        Assert.Equal(VoteOutcome.Accepted, again[1].Outcome);
    }

    [Fact]
    public async Task RestartedServer_WithASnapshot_RefusesASecondVoteAndAnswersARetryWithTheFirstAnswer()
    {
        var directory = _folders.Create("server");
        string pollId;
        RegisterViewerResponse[] viewers;
        VoteResponse counted;
        await using (var first = new LiveVoteServer(dataDirectory: directory))
        {
            var admin = first.AdminClient();
            pollId = (await Api.CreateOpenPollAsync(admin)).Id;
            viewers = await Api.RegisterManyAsync(admin, 3);
            counted = await Api.ReadVoteAsync(await Api.VoteAsync(first.Client(), pollId, viewers[0].Token, "a"));
            Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(first.Client(), pollId, viewers[1].Token, "b")).StatusCode);
        }

        // The test host's disposal can return before the store's own has finished (see CleanStopTests): wait for the
        // snapshot, at most 10 s, rather than assume it is there at once.
        var snapshot = VoteIndexSnapshot.PathFor(Path.Combine(directory, SqliteOptions.FileName));
        for (var deadline = DateTime.UtcNow.AddSeconds(10); !File.Exists(snapshot) && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(50);
        }

        Assert.True(File.Exists(snapshot));
        await using var second = new LiveVoteServer(dataDirectory: directory);
        var client = second.Client();
        var retry = await Api.VoteAsync(client, pollId, viewers[0].Token, "a");
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        var answer = await Api.ReadVoteAsync(retry);
        Assert.Equal((VoteStatuses.Duplicate, counted.VoteId, counted.Receipt, counted.Leaf), (answer.Status, answer.VoteId, answer.Receipt, answer.Leaf));
        await ProblemAssert.IsAsync(await Api.VoteAsync(client, pollId, viewers[1].Token, "a"), HttpStatusCode.Conflict, ErrorCodes.AlreadyVoted);
        Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(client, pollId, viewers[2].Token, "a")).StatusCode);
    }

    private static VoterKey Voter(int n) => StoreBatches.Voter(n);

    private async Task OpenAsync(string directory)
    {
        if (_store is not null)
        {
            await CloseAsync();
        }

        _store = new SqliteVoteStore(Options.Create(new SqliteOptions { Path = Path.Combine(directory, "livevote.db") }));
        var state = await _store.OpenAsync(CancellationToken.None);
        _chain = new AuditChain(state.LastSeq, state.LastHash);
    }

    private async Task CloseAsync()
    {
        await _store!.DisposeAsync();
        _store = null;
        SqliteConnection.ClearAllPools();
    }

    private Task<Poll> CreateOpenPollAsync(string id) => StoreBatches.CreateOpenPollAsync(_store!, _chain, id);

    private Task ChangeAsync(Poll poll, string kind) => StoreBatches.ChangeAsync(_store!, _chain, poll, kind);

    private Task<VoteResult[]> VoteAsync(params (Poll Poll, string Option, VoterKey Key)[] votes) => StoreBatches.VoteAsync(_store!, _chain, votes);
}
