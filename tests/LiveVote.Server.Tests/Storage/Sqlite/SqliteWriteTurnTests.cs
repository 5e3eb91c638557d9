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
/// The process's one turn at the SQLite file's write lock: handed on in arrival order, given up as SQLITE_BUSY after its
/// wait, and shared by the real vote store and a side table on one file, so neither writes while the other holds it and
/// both keep every write.
/// </summary>
public sealed class SqliteWriteTurnTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = StoreBatches.Start;
    private readonly string _directory = TempDirectory.Create("livevote-write-turn");
    private SqliteVoteStore? _store;

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
    public void TryEnter_IsRefusedWhileHeld_AndGrantedAfterExit()
    {
        using var turn = new SqliteWriteTurn();

        Assert.True(turn.TryEnter());
        Assert.False(turn.TryEnter());
        turn.Exit();
        Assert.True(turn.TryEnter());
    }

    [Fact]
    public async Task Waiters_GetTheTurnInTheOrderTheyAsked()
    {
        using var turn = new SqliteWriteTurn();
        Assert.True(turn.TryEnter());
        var order = new List<int>();
        var waiters = Enumerable.Range(1, 5).Select(async n =>
        {
            using var held = await turn.EnterAsync(CancellationToken.None);
            lock (order)
            {
                order.Add(n);
            }
        }).ToArray();

        turn.Exit();
        await Task.WhenAll(waiters);

        Assert.Equal([1, 2, 3, 4, 5], order);
    }

    [Fact]
    public async Task EnterAsync_WhileHeldPastItsWait_FailsAsSqliteBusy()
    {
        using var turn = new SqliteWriteTurn(TimeSpan.FromMilliseconds(50));
        Assert.True(turn.TryEnter());

        var refused = await Assert.ThrowsAsync<SqliteException>(async () => await turn.EnterAsync(CancellationToken.None));

        Assert.Equal(5, refused.SqliteErrorCode); // SQLITE_BUSY, as SQLite's own busy timeout would have failed
    }

    [Fact]
    public async Task VoteCommit_WaitsWhileASideWriterHoldsTheTurn_ThenCommits()
    {
        using var turn = new SqliteWriteTurn();
        var chain = await OpenAsync(turn);
        var poll = await CreateOpenPollAsync(chain, "p1");

        // A side table's transaction in progress: the vote batch must not write until it is done.
        var side = await turn.EnterAsync(CancellationToken.None);
        var batch = new WriteBatch(1) { AtUnixMs = Start.ToUnixTimeMilliseconds() + 5000 };
        batch.AddVote(new BatchVote(poll, 0, new VoterKey(1, 2)));
        var commit = _store!.CommitAsync(batch, chain).AsTask();
        await Task.Delay(200);
        Assert.False(commit.IsCompleted);

        side.Dispose();
        await commit;

        Assert.Equal(VoteOutcome.Accepted, batch.Results[0].Outcome);
        Assert.True(turn.TryEnter()); // handed back once the commit was done
    }

    [Fact]
    public async Task SideTableAndVoteWriter_SharingTheTurn_KeepEveryWriteWithNoBusyFailure()
    {
        using var turn = new SqliteWriteTurn();
        var chain = await OpenAsync(turn);
        var poll = await CreateOpenPollAsync(chain, "p1");
        var counters = new SqliteNodeCounterStore(Options.Create(new SqliteOptions { Path = DatabasePath }), turn);

        // Node counters written as fast as they can go while 200 vote batches commit on the same file.
        using var stop = new CancellationTokenSource();
        var written = 0L;
        var firstWritten = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sideWriter = Task.Run(async () =>
        {
            do
            {
                await counters.WriteAsync(new NodeCounters("node-a", ++written, 0, 0, 0, 1.0, Start), CancellationToken.None);
                firstWritten.TrySetResult();
            }
            while (!stop.IsCancellationRequested);
        });

        // The side writer is writing before the batches start (on a loaded machine its task could otherwise start late).
        await firstWritten.Task;
        for (var b = 0; b < 200; b++)
        {
            var batch = new WriteBatch(10) { AtUnixMs = Start.ToUnixTimeMilliseconds() + 5000 };
            for (var v = 0; v < 10; v++)
            {
                batch.AddVote(new BatchVote(poll, v % 2, new VoterKey((ulong)b + 1, (ulong)v + 1)));
            }

            await _store!.CommitAsync(batch, chain);
            Assert.All(batch.Results.ToArray(), r => Assert.Equal(VoteOutcome.Accepted, r.Outcome));
        }

        await stop.CancelAsync();
        await sideWriter;

        var stored = await counters.ReadAsync("node-a", CancellationToken.None);
        Assert.NotNull(stored);
        Assert.Equal(written, stored.Accepted);
        await _store!.DisposeAsync();
        _store = null;
        _store = new SqliteVoteStore(Options.Create(new SqliteOptions { Path = DatabasePath }));
        var state = await _store.OpenAsync(CancellationToken.None);
        Assert.Equal(2000, state.VoteCount);
        Assert.Equal([1000L, 1000L], state.Tallies[poll.Id]);
    }

    private string DatabasePath => Path.Combine(_directory, "livevote.db");

    private async Task<AuditChain> OpenAsync(SqliteWriteTurn turn)
    {
        _store = new SqliteVoteStore(Options.Create(new SqliteOptions { Path = DatabasePath }), writeTurn: turn);
        var state = await _store.OpenAsync(CancellationToken.None);
        return new AuditChain(state.LastSeq, state.LastHash);
    }

    private Task<Poll> CreateOpenPollAsync(AuditChain chain, string id) => StoreBatches.CreateOpenPollAsync(_store!, chain, id);
}
