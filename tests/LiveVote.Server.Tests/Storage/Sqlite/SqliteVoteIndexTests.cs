using System.Numerics;
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
/// The SQLite store's compact dedup index (a hash of each voter key and the vote's seq; the answer read from the row)
/// through the real store and file: answers exact across restarts, also for voters whose keys share a 64-bit hash.
/// </summary>
public sealed class SqliteVoteIndexTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = StoreBatches.Start;
    private readonly string _directory = TempDirectory.Create("livevote-index-sqlite");
    private SqliteVoteStore? _store;
    private AuditChain _chain = new(0, Sha256Hash.Zero);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        TempDirectory.Delete(_directory);
    }

    [Fact]
    public async Task RestartedStore_AnswersARetryWithItsFirstAnswerAndRefusesADifferentSecondVote()
    {
        await OpenAsync();
        var poll = await CreateOpenPollAsync("p1");
        var voters = Enumerable.Range(1, 3000).Select(n => Voter(n)).ToArray();
        var first = new List<VoteResult>();
        foreach (var chunk in voters.Chunk(500))
        {
            first.AddRange(await VoteAsync(chunk.Select(v => (poll, "a", v)).ToArray()));
        }

        Assert.All(first, r => Assert.Equal(VoteOutcome.Accepted, r.Outcome));

        var state = await ReopenAsync();
        Assert.Equal(3000, state.VoteCount);
        Assert.Equal((3000L, 3000L), (_store!.IndexSize.Votes, state.Tallies[poll.Id][0]));

        var retries = await VoteAsync(voters.Select(v => (poll, "a", v)).ToArray());
        var seconds = await VoteAsync(voters.Select(v => (poll, "b", v)).ToArray());
        var newcomer = await VoteAsync((poll, "b", Voter(99_999)));

        for (var i = 0; i < voters.Length; i++)
        {
            Assert.Equal(first[i] with { Outcome = VoteOutcome.Duplicate }, retries[i]);
            Assert.Equal(first[i] with { Outcome = VoteOutcome.AlreadyVoted }, seconds[i]);
        }

        Assert.Equal(VoteOutcome.Accepted, newcomer[0].Outcome);
        var tallies = (await ReopenAsync()).Tallies[poll.Id];
        Assert.Equal([3000L, 1L], tallies);
    }

    [Fact]
    public async Task VotersWhoseKeysShareAHash_AreTwoVotersInTheBatchAndAfterARestart()
    {
        await OpenAsync();
        var poll = await CreateOpenPollAsync("p1");
        var alice = new VoterKey(0x1234_5678_9ABC_DEF0UL, 1);
        var bob = CollidingWith(alice, low: 2);
        var carol = CollidingWith(alice, low: 3);
        Assert.Equal(PollVoteIndex.HashOf(alice), PollVoteIndex.HashOf(bob));
        Assert.Equal(PollVoteIndex.HashOf(alice), PollVoteIndex.HashOf(carol));

        // Same batch: bob is not alice's duplicate, and alice again is (the answer kept aside until the rows are stored).
        var batch = await VoteAsync((poll, "a", alice), (poll, "b", bob), (poll, "a", alice), (poll, "a", bob));
        Assert.Equal([VoteOutcome.Accepted, VoteOutcome.Accepted, VoteOutcome.Duplicate, VoteOutcome.AlreadyVoted], batch.Select(r => r.Outcome));
        Assert.Equal(batch[0] with { Outcome = VoteOutcome.Duplicate }, batch[2]);
        Assert.Equal(batch[1] with { Outcome = VoteOutcome.AlreadyVoted }, batch[3]);

        // A later batch reads the stored rows: each voter gets their own vote back, a third voter with the hash is new.
        var later = await VoteAsync((poll, "b", bob), (poll, "b", alice), (poll, "a", carol));
        Assert.Equal(batch[1] with { Outcome = VoteOutcome.Duplicate }, later[0]);
        Assert.Equal(batch[0] with { Outcome = VoteOutcome.AlreadyVoted }, later[1]);
        Assert.Equal(VoteOutcome.Accepted, later[2].Outcome);

        await ReopenAsync();
        var restarted = await VoteAsync((poll, "a", carol), (poll, "b", bob), (poll, "a", alice), (poll, "a", CollidingWith(alice, low: 4)));
        Assert.Equal(later[2] with { Outcome = VoteOutcome.Duplicate }, restarted[0]);
        Assert.Equal(batch[1] with { Outcome = VoteOutcome.Duplicate }, restarted[1]);
        Assert.Equal(batch[0] with { Outcome = VoteOutcome.Duplicate }, restarted[2]);
        Assert.Equal(VoteOutcome.Accepted, restarted[3].Outcome);
        var tallies = (await ReopenAsync()).Tallies[poll.Id];
        Assert.Equal([3L, 1L], tallies);
    }

    [Fact]
    public async Task SameVoterInTwoPolls_HasAStandingVoteInEachOnItsOwn()
    {
        await OpenAsync();
        var one = await CreateOpenPollAsync("p1");
        var two = await CreateOpenPollAsync("p2");
        var first = await VoteAsync((one, "a", Voter(1)));

        await ReopenAsync();
        var after = await VoteAsync((two, "b", Voter(1)), (one, "b", Voter(1)));

        Assert.Equal(VoteOutcome.Accepted, after[0].Outcome);
        Assert.Equal(first[0] with { Outcome = VoteOutcome.AlreadyVoted }, after[1]);
    }

    /// <summary>A key with another low half whose hash equals <paramref name="key"/>'s: the mix before the finaliser
    /// is High ^ f(Low), so choosing High = key.High ^ f(key.Low) ^ f(low) gives the same value, hence the same hash.</summary>
    private static VoterKey CollidingWith(VoterKey key, ulong low)
    {
        static ulong F(ulong low) => BitOperations.RotateLeft(low * 0x9E3779B97F4A7C15UL, 32);
        return new VoterKey(key.High ^ F(key.Low) ^ F(low), low);
    }

    private static VoterKey Voter(int n) => StoreBatches.Voter(n);

    private async Task<StoreState> OpenAsync()
    {
        _store = new SqliteVoteStore(Options.Create(new SqliteOptions { Path = Path.Combine(_directory, "livevote.db") }));
        var state = await _store.OpenAsync(CancellationToken.None);
        _chain = new AuditChain(state.LastSeq, state.LastHash);
        return state;
    }

    private async Task<StoreState> ReopenAsync()
    {
        await _store!.DisposeAsync();
        _store = null;
        return await OpenAsync();
    }

    private Task<Poll> CreateOpenPollAsync(string id) => StoreBatches.CreateOpenPollAsync(_store!, _chain, id);

    private Task<VoteResult[]> VoteAsync(params (Poll Poll, string Option, VoterKey Key)[] votes) => StoreBatches.VoteAsync(_store!, _chain, votes);
}
