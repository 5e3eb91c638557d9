using LiveVote.Server.Audit;
using LiveVote.Server.Ingest;
using LiveVote.Server.Polls;
using LiveVote.Server.Results;
using LiveVote.Server.Storage;
using LiveVote.Server.Votes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Tests.Ingest;

/// <summary>
/// The batch writer on its own: an in-memory store, fake time, no I/O. A commit held at the store's gate lets a test
/// queue several items that the writer then takes as one batch, so ordering inside a batch is tested exactly.
/// </summary>
public sealed class BatchWriterTests : IAsyncLifetime
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000);
    private static readonly Poll Open = PollRules.Create("p1", "Who?", [("a", "A"), ("b", "B")], At).MoveTo(PollStatus.Open, At);
    private readonly TimerSignallingTimeProvider _time = new();
    private readonly IngestQueue _queue = new(Options.Create(new IngestOptions()));
    private readonly PollRegistry _polls = new();
    private readonly ResultsHub _results = new();
    private BatchWriter? _writer;
    private InMemoryVoteStore _store = new(Open);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _store.Gate?.TrySetResult();
        if (_writer is not null)
        {
            await _writer.StopAsync(CancellationToken.None);
        }

        _results.Dispose();
    }

    [Fact]
    public async Task Vote_ForOpenPoll_IsAcceptedOnceCommitted_AndItsTotalsPublished()
    {
        await StartAsync();

        var result = await VoteAsync(Open, 1, voter: 1);

        Assert.Equal(VoteOutcome.Accepted, result.Outcome);
        Assert.Equal(["vote:p1:1"], Assert.Single(_store.Commits));
        Assert.True(_results.TryGetLiveTotals(Open.Id, out var totals));
        Assert.Equal([0L, 1L], totals);
    }

    [Fact]
    public async Task Retry_OfAStoredVote_IsDuplicateWithTheSameId_AndAnotherOptionIsAlreadyVoted()
    {
        await StartAsync();
        var first = await VoteAsync(Open, 0, voter: 1);

        var retry = await VoteAsync(Open, 0, voter: 1);
        var second = await VoteAsync(Open, 1, voter: 1);

        Assert.Equal(first with { Outcome = VoteOutcome.Duplicate }, retry);
        Assert.Equal(first with { Outcome = VoteOutcome.AlreadyVoted }, second);
        Assert.True(_results.TryGetLiveTotals(Open.Id, out var totals));
        Assert.Equal([1L, 0L], totals);
    }

    [Fact]
    public async Task CloseQueuedBetweenVotes_InOneBatch_CountsTheVoteBefore_RefusesTheVoteAfter()
    {
        await StartAsync();
        var held = await HoldNextCommitAsync();

        var before = EnqueueVote(Open, 0, voter: 2);
        var close = EnqueuePollCommand(PollCommandKind.Close);
        var after = EnqueueVote(Open, 1, voter: 3);
        Release();

        Assert.Equal(VoteOutcome.Accepted, (await held).Outcome);
        Assert.Equal(VoteOutcome.Accepted, (await before).Outcome);
        Assert.Equal(VoteOutcome.PollNotOpen, (await after).Outcome);
        var closed = await close;
        Assert.Equal(PollCommandStatus.Done, closed.Status);
        Assert.Equal(PollStatus.Closed, closed.Poll!.Status);
        Assert.Equal([["vote:p1:1"], ["vote:p1:2", "poll-closed:p1", "vote:p1:3"]], _store.Commits);
        Assert.True(_results.TryGetLiveTotals(Open.Id, out var totals));
        Assert.Equal([2L, 0L], totals);
        Assert.True(_polls.TryGet(Open.Id, out var registered));
        Assert.Equal(PollStatus.Closed, registered.Status);
    }

    [Fact]
    public async Task OpenQueuedBeforeVotes_InOneBatch_CountsThem()
    {
        var draft = PollRules.Create("p2", "Which?", [("x", "X"), ("y", "Y")], At);
        _store = new InMemoryVoteStore(Open, draft);
        await StartAsync();
        var held = await HoldNextCommitAsync();

        var open = EnqueuePollCommand(PollCommandKind.Open, draft.Id);
        var vote = EnqueueVote(draft with { Status = PollStatus.Open }, 1, voter: 5);
        Release();

        await held;
        Assert.Equal(PollCommandStatus.Done, (await open).Status);
        Assert.Equal(VoteOutcome.Accepted, (await vote).Outcome);
        Assert.Equal(["poll-opened:p2", "vote:p2:5"], _store.Commits[^1]);
    }

    [Fact]
    public async Task FailedCommit_AnswersEveryVoteStoreFailed_ThePollChangeStoreFailed_AndLeavesThePollAsItWas()
    {
        await StartAsync();
        _store.FailWhen = items => items.Contains("poll-closed:p1") ? new IOException("the disk is gone") : null;
        var held = await HoldNextCommitAsync();

        var vote = EnqueueVote(Open, 0, voter: 2);
        var close = EnqueuePollCommand(PollCommandKind.Close);
        Release();

        await held;
        Assert.Equal(VoteOutcome.StoreFailed, (await vote).Outcome);
        Assert.Equal(new PollCommandResult(PollCommandStatus.StoreFailed, null), await close);
        Assert.True(_polls.TryGet(Open.Id, out var registered));
        Assert.Equal(PollStatus.Open, registered.Status);

        // The writer pauses after a failure (a failing store fails every batch alike); once the pause is over, the same
        // vote retried is stored.
        _store.FailWhen = null;
        var retry = EnqueueVote(Open, 0, voter: 2);
        await AdvanceUntilAsync(retry);
        Assert.Equal(VoteOutcome.Accepted, (await retry).Outcome);
    }

    [Fact]
    public async Task CommitPastItsDeadline_Answers503_RefusesNewVotesAtOnce_AndItsVoteIsFoundByTheRetry()
    {
        await StartAsync();
        _time.ExpectTimer();
        var held = await HoldNextCommitAsync();
        await _time.TimerCreated;

        _time.Advance(TimeSpan.FromMilliseconds(new IngestOptions().CommitDeadlineMs));
        Assert.Equal(VoteOutcome.StoreFailed, (await held).Outcome);
        var whileStalled = EnqueueVote(Open, 1, voter: 2);
        var closeWhileStalled = EnqueuePollCommand(PollCommandKind.Close);
        Assert.Equal(VoteOutcome.StoreFailed, (await whileStalled).Outcome);
        Assert.Equal(PollCommandStatus.StoreFailed, (await closeWhileStalled).Status);
        Release();

        // The stalled commit did store voter 1's vote: the retry gets it back (200), the refused vote is stored now (201).
        // Like a client, each retries while answered 503: one sent before the writer saw the stalled commit end is
        // refused at once, without reaching the store.
        var retry = await VoteUntilAnsweredAsync(Open, 0, voter: 1);
        Assert.Equal(VoteOutcome.Duplicate, retry.Outcome);
        Assert.Equal(VoteOutcome.Accepted, (await VoteUntilAnsweredAsync(Open, 1, voter: 2)).Outcome);
        Assert.Equal([["vote:p1:1"], ["vote:p1:1"], ["vote:p1:2"]], _store.Commits);
        Assert.True(_results.TryGetLiveTotals(Open.Id, out var totals));
        Assert.Equal([1L, 1L], totals);
    }

    [Fact]
    public async Task PollChangeRefusedByTheStore_IsInvalidTransitionWithThePollAsCommitted()
    {
        await StartAsync();
        _store.FailWhen = items => items.Contains("poll-closed:p1") ? new PollChangeRefusedException(Open.Id) : null;

        var result = await EnqueuePollCommand(PollCommandKind.Close);

        Assert.Equal(PollCommandStatus.InvalidTransition, result.Status);
        Assert.Equal(PollStatus.Open, result.Poll!.Status);
        Assert.Equal(VoteOutcome.Accepted, (await VoteAsync(Open, 0, voter: 4)).Outcome);
    }

    [Fact]
    public async Task PollCommands_TheWriterCanAnswerItself_NeverReachTheStore()
    {
        await StartAsync();

        Assert.Equal(PollCommandStatus.AlreadyExists, (await EnqueueCommandAsync(new PollCommand(PollCommandKind.Create, Open.Id, Open))).Status);
        Assert.Equal(PollCommandStatus.NotFound, (await EnqueuePollCommand(PollCommandKind.Open, "nobody")).Status);
        Assert.Equal(PollCommandStatus.InvalidTransition, (await EnqueuePollCommand(PollCommandKind.Open)).Status);
        Assert.Equal(PollCommandStatus.InvalidTransition, (await EnqueuePollCommand(PollCommandKind.ReleaseResults)).Status);
        var hidden = await EnqueuePollCommand(PollCommandKind.HideResultsFromViewers);
        Assert.Equal((PollCommandStatus.Done, false), (hidden.Status, hidden.Poll!.ShowResultsToViewers));

        Assert.Empty(_store.Commits);
    }

    /// <summary>A node that lacks some of a poll's clusters (a roll adding one, not finished) must not close it in its clusters alone.</summary>
    [Fact]
    public async Task Close_OfAPollSpreadOverMoreClustersThanTheNodeHas_IsAnswered503AndStoresNothing()
    {
        _store = new InMemoryVoteStore(Open with { PartitionCount = 2 });
        await StartAsync();

        var result = await EnqueuePollCommand(PollCommandKind.Close);

        Assert.Equal(new PollCommandResult(PollCommandStatus.StoreFailed, null), result);
        Assert.Empty(_store.Commits);
        Assert.True(_polls.TryGet(Open.Id, out var held));
        Assert.Equal(PollStatus.Open, held.Status);
    }

    [Fact]
    public async Task Create_NewPoll_IsStoredThenKnown()
    {
        await StartAsync();
        var fresh = PollRules.Create("p9", "New?", [("x", "X"), ("y", "Y")], At);

        var result = await EnqueueCommandAsync(new PollCommand(PollCommandKind.Create, fresh.Id, fresh));

        Assert.Equal(PollCommandStatus.Done, result.Status);
        Assert.Equal(["poll-created:p9"], Assert.Single(_store.Commits));
        Assert.True(_polls.TryGet(fresh.Id, out var registered));
        Assert.Equal(PollStatus.Draft, registered.Status);
    }

    [Fact]
    public async Task Freeze_HoldsTheTotalsThisNodePublished()
    {
        _store = new InMemoryVoteStore(new StoreState([Open], new Dictionary<string, long[]> { [Open.Id] = [3, 4] }, 7, Sha256Hash.Zero, 7));
        await StartAsync();

        var result = await EnqueuePollCommand(PollCommandKind.FreezeResults);

        Assert.Equal(PollCommandStatus.Done, result.Status);
        Assert.Equal([3L, 4L], result.Poll!.Frozen!.Totals.ToArray());
        Assert.Equal(["results-frozen:p1"], Assert.Single(_store.Commits));
    }

    [Fact]
    public async Task AuditNote_IsCommittedInArrivalOrderAmongVotes()
    {
        await StartAsync();
        var held = await HoldNextCommitAsync();

        var vote = EnqueueVote(Open, 0, voter: 2);
        Assert.True(_queue.TryEnqueueNote(new AuditNote(AuditKinds.RiskDecision, Open.Id, new VoterKey(0, 3), "{}")));
        var later = EnqueueVote(Open, 1, voter: 4);
        Release();

        await held;
        await vote;
        await later;
        Assert.Equal(["vote:p1:2", "note:risk-decision", "vote:p1:4"], _store.Commits[^1]);
    }

    [Fact]
    public async Task Linger_WaitsForMoreVotes_AndCommitsThemAsOneBatch()
    {
        _time.ExpectTimer();
        await StartAsync(lingerMs: 5);

        var first = EnqueueVote(Open, 0, voter: 1);
        await _time.TimerCreated;
        var second = EnqueueVote(Open, 1, voter: 2);
        _time.Advance(TimeSpan.FromMilliseconds(5));

        Assert.Equal(VoteOutcome.Accepted, (await first).Outcome);
        Assert.Equal(VoteOutcome.Accepted, (await second).Outcome);
        Assert.Equal(["vote:p1:1", "vote:p1:2"], Assert.Single(_store.Commits));
    }

    [Fact]
    public async Task SharedStore_TheWriterPublishesNoTotals_TheRefresherDoes()
    {
        await StartAsync(storage: StorageKind.Postgres);

        Assert.Equal(VoteOutcome.Accepted, (await VoteAsync(Open, 1, voter: 1)).Outcome);

        Assert.True(_results.TryGetLiveTotals(Open.Id, out var totals));
        Assert.Equal([0L, 0L], totals);
    }

    [Fact]
    public async Task Stop_CommitsWhatIsQueuedFirst()
    {
        await StartAsync();
        var held = await HoldNextCommitAsync();
        var queued = EnqueueVote(Open, 0, voter: 2);

        var stopping = _writer!.StopAsync(CancellationToken.None);
        Release();
        await stopping;

        Assert.Equal(VoteOutcome.Accepted, (await held).Outcome);
        Assert.Equal(VoteOutcome.Accepted, (await queued).Outcome);
        Assert.False(_writer.IsRunning);
    }

    /// <summary>Moves fake time on until <paramref name="answer"/> completes (the writer's pauses are on that clock).</summary>
    private async Task AdvanceUntilAsync(Task answer)
    {
        for (var i = 0; i < 1000 && !answer.IsCompleted; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.WhenAny(answer, Task.Delay(10));
        }
    }

    private async Task StartAsync(int lingerMs = 0, StorageKind storage = StorageKind.Sqlite)
    {
        _writer = new BatchWriter(
            _queue, _store, new PartitionPolls(_polls, 1), _results,
            Options.Create(new IngestOptions { MaxBatchDelayMs = lingerMs }),
            Options.Create(new StorageOptions { Storage = storage }),
            _time,
            NullLogger<BatchWriter>.Instance);
        await _writer.StartAsync(CancellationToken.None);
    }

    /// <summary>Sends voter 1's vote and holds its commit at the store's gate: what is queued now forms the next batch.</summary>
    private async Task<Task<VoteResult>> HoldNextCommitAsync()
    {
        _store.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = EnqueueVote(Open, 0, voter: 1);
        await _store.AtGate.Task;
        return held;
    }

    private void Release()
    {
        var gate = _store.Gate!;
        _store.Gate = null;
        gate.SetResult();
    }

    private Task<VoteResult> VoteAsync(Poll poll, int option, int voter) => EnqueueVote(poll, option, voter);

    /// <summary>Sends the vote again while it is answered 503 (at most 100 tries), as a client does.</summary>
    private async Task<VoteResult> VoteUntilAnsweredAsync(Poll poll, int option, int voter)
    {
        var result = await VoteAsync(poll, option, voter);
        for (var i = 0; i < 100 && result.Outcome == VoteOutcome.StoreFailed; i++)
        {
            await Task.Delay(10);
            result = await VoteAsync(poll, option, voter);
        }

        return result;
    }

    private Task<VoteResult> EnqueueVote(Poll poll, int option, int voter)
    {
        var completion = new VoteCompletion();
        Assert.True(_queue.TryEnqueueVote(WriterCommand.Vote(poll, option, new VoterKey(0, (ulong)voter), completion)));
        return completion.Task.AsTask();
    }

    private Task<PollCommandResult> EnqueuePollCommand(PollCommandKind kind, string pollId = "p1") =>
        EnqueueCommandAsync(new PollCommand(kind, pollId, null));

    private async Task<PollCommandResult> EnqueueCommandAsync(PollCommand command)
    {
        await _queue.EnqueuePollCommandAsync(command, CancellationToken.None);
        return await command.Done;
    }
}
