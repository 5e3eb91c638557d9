using System.Diagnostics;
using LiveVote.Server.Audit;
using LiveVote.Server.Audit.Heads;
using LiveVote.Server.Polls;
using LiveVote.Server.Results;
using LiveVote.Server.Storage;
using LiveVote.Server.Telemetry;
using LiveVote.Server.Votes;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Ingest;

/// <summary>
/// The only writer of votes. It takes what the queue holds (up to <see cref="IngestOptions.MaxBatchSize"/>, lingering
/// <see cref="IngestOptions.MaxBatchDelayMs"/> for more if configured), commits it to the store in one transaction, and only then
/// updates the poll registry, reports the new totals and answers every waiting request. A failed commit answers
/// "store failed" (503) to all of that batch: its outcome is unknown (a COMMIT whose connection died may still have
/// landed), and a retry of the same vote settles it: 201 if it was not stored, 200 with the same vote id if it was.
/// There is one writer per store partition (<paramref name="partition"/>): it decides poll changes from its own
/// cluster's view of the polls (<see cref="PartitionPolls.View"/>), so a change fanned out to every partition is applied
/// in each cluster whatever the others have done.
/// </summary>
internal sealed partial class BatchWriter(
    IngestQueue queue,
    IVoteStore store,
    PartitionPolls polls,
    ResultsHub results,
    IOptions<IngestOptions> options,
    IOptions<StorageOptions> storage,
    TimeProvider time,
    ILogger<BatchWriter> logger,
    int partition = 0,
    CommittedLogHeads? heads = null) : IHostedService, IAsyncDisposable
{
    private readonly WriteBatch _batch = new(options.Value.MaxBatchSize);
    private readonly VoteCompletion?[] _waiters = new VoteCompletion?[options.Value.MaxBatchSize];
    private readonly List<PollCommand> _pollCommands = [];
    private readonly List<ActivityLink> _links = new(LiveVoteTelemetry.MaxBatchLinks);
    private readonly Dictionary<string, Poll> _pendingPolls = new(StringComparer.Ordinal);
    private readonly HashSet<string> _touched = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long[]> _tallies = new(StringComparer.Ordinal);

    // With SQLite this writer has counted every vote and publishes the totals; with a shared store it knows only its
    // own votes, so it keeps no tallies and SharedStateRefresher publishes the sums read back from the store.
    private readonly bool _publishesTotals = storage.Value.WriterPublishesTotals;
    private AuditChain? _chain;
    private Task? _loop;
    private int _disposed;

    public bool IsRunning => _loop is { IsCompleted: false };

    /// <summary>The store partition this writer commits to.</summary>
    public int Partition => partition;

    /// <summary>Seq of the newest durable audit entry.</summary>
    public long LastSeq => _chain?.LastSeq ?? 0;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var state = await store.OpenAsync(cancellationToken);
        _chain = new AuditChain(state.LastSeq, state.LastHash, state.Logs);
        var now = time.GetUtcNow();
        // With several partitions each writer holds one cluster's totals: the refresher publishes their sum.
        var reportsTotals = _publishesTotals || polls.Count == 1;
        foreach (var poll in state.Polls)
        {
            polls.Committed(partition, poll);
            var totals = state.Tallies.TryGetValue(poll.Id, out var stored) ? stored : new long[poll.Options.Length];
            if (_publishesTotals)
            {
                _tallies[poll.Id] = totals;
            }

            // The first snapshot in either mode: what the store held when this node started.
            if (reportsTotals)
            {
                results.Report(poll, (long[])totals.Clone(), state.LastSeq, now);
            }
        }

        // The logs the store resumed: the signer signs any whose last head was not signed before the stop.
        PublishHeads(state.Logs?.Keys ?? []);
        LogOpened(logger, state.Polls.Count, state.VoteCount, state.LastSeq);
        _loop = Task.Factory.StartNew(RunAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Requests in flight were drained by Kestrel before this runs; what is queued still gets committed.
        queue.Complete();
        if (_loop is null)
        {
            return;
        }

        try
        {
            await _loop.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // A commit still waiting (e.g. for a synchronous standby that is gone) when the host's shutdown time runs
            // out is left to the store: its requests were answered 503 at their deadline, and retries settle them.
            LogStoppedWithCommitInFlight(logger);
        }
    }

    /// <summary>Closes the store once: the container disposes both this writer and the store it registered.</summary>
    public ValueTask DisposeAsync() => Interlocked.Exchange(ref _disposed, 1) == 0 ? store.DisposeAsync() : ValueTask.CompletedTask;

    private async Task RunAsync()
    {
        var reader = queue.Reader;
        var linger = TimeSpan.FromMilliseconds(options.Value.MaxBatchDelayMs);
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            Drain();
            if (!_batch.IsFull && linger > TimeSpan.Zero && reader.Count == 0)
            {
                await Task.Delay(linger, time);
                Drain();
            }

            if (_batch.IsEmpty)
            {
                continue;
            }

            await CommitAsync();
        }
    }

    /// <summary>Moves queued items into the batch, deciding what needs no store at all (poll not open).</summary>
    private void Drain()
    {
        foreach (var note in _deferredNotes)
        {
            _batch.AddNote(note);
        }

        _deferredNotes.Clear();
        var reader = queue.Reader;
        while (!_batch.IsFull && reader.TryRead(out var command))
        {
            switch (command.Kind)
            {
                case WriterCommandKind.Vote:
                    StageVote(command);
                    break;
                case WriterCommandKind.PollChange:
                    StagePollCommand(command.PollCommand);
                    break;
                default:
                    _batch.AddNote(command.AuditNote);
                    break;
            }
        }
    }

    /// <summary>
    /// A vote for a poll that was never open here is refused at once (no vote of it can stand). One for a closed poll
    /// still goes to the store: a retry of a vote that stands gets it back, only a new vote is refused.
    /// </summary>
    private void StageVote(in WriterCommand vote)
    {
        var poll = CurrentPoll(vote.Poll!.Id);
        if (poll is null or { Status: PollStatus.Draft })
        {
            vote.Completion.SetResult(VoteResult.PollNotOpen);
            LiveVoteTelemetry.VoteDecided(VoteOutcome.PollNotOpen);
            return;
        }

        var position = _batch.AddVote(new BatchVote(poll, vote.OptionIndex, vote.VoterKey, vote.Withheld));
        _waiters[position] = vote.Completion;
    }

    private void StagePollCommand(PollCommand command)
    {
        var current = CurrentPoll(command.PollId);
        if (command.Kind == PollCommandKind.Create)
        {
            if (current is not null)
            {
                command.Complete(new PollCommandResult(PollCommandStatus.AlreadyExists, current));
                return;
            }

            if (CodeTaken(command.Definition!))
            {
                command.Complete(new PollCommandResult(PollCommandStatus.CodeTaken, null));
                return;
            }

            Stage(command, command.Definition!, AuditKinds.PollCreated);
            return;
        }

        // A deleted poll is unknown to every change but a repeated delete (a fan-out's retry), which finds it so already.
        if (current is null || (current.DeletedAt is not null && command.Kind != PollCommandKind.Delete))
        {
            command.Complete(new PollCommandResult(PollCommandStatus.NotFound, null));
            return;
        }

        // A poll spread over clusters this node does not have (a rolling restart adding one, not finished) must not
        // change in this cluster alone: a close here would leave the others accepting votes.
        if (current.PartitionCount > polls.Count)
        {
            command.Complete(new PollCommandResult(PollCommandStatus.StoreFailed, null));
            return;
        }

        // A freeze holds what this node publishes now: the count it last committed (SQLite) or last read from the
        // shared store (PostgreSQL).
        // A change fanned out to several partitions carries its time and frozen totals, so every cluster records the same.
        var liveTotals = command.FrozenTotals
            ?? (command.Kind == PollCommandKind.FreezeResults && results.TryGetLiveTotals(current.Id, out var live) ? live : []);
        var transition = current.Apply(command.Kind, command.At ?? time.GetUtcNow(), liveTotals, command.Definition);
        if (command.Kind == PollCommandKind.Edit && transition.AuditKind is not null && CodeTaken(transition.Next!))
        {
            command.Complete(new PollCommandResult(PollCommandStatus.CodeTaken, current));
        }
        else if (transition.IsRefused)
        {
            command.Complete(new PollCommandResult(PollCommandStatus.InvalidTransition, current));
        }
        else if (transition.IsUnchanged)
        {
            // Already so: nothing to store or audit.
            command.Complete(new PollCommandResult(PollCommandStatus.Done, current));
        }
        else
        {
            Stage(command, transition.Next!, transition.AuditKind!);
        }
    }

    private void Stage(PollCommand command, Poll poll, string auditKind)
    {
        _pendingPolls[poll.Id] = poll;
        _batch.AddPollChange(poll, auditKind, command.Operator);
        _pollCommands.Add(command);
    }

    /// <summary>
    /// Whether another poll not deleted has <paramref name="poll"/>'s join code, committed or staged in this batch. The
    /// writer decides it, so two creates racing for one code get one poll and one 409; between nodes of a shared store
    /// the unique index decides.
    /// </summary>
    private bool CodeTaken(Poll poll)
    {
        foreach (var pending in _pendingPolls.Values)
        {
            if (pending.Id != poll.Id && pending.DeletedAt is null && pending.Code == poll.Code)
            {
                return true;
            }
        }

        return polls.View(partition).TryGetByCode(poll.Code, out var holder) && holder.Id != poll.Id
            && !(_pendingPolls.TryGetValue(holder.Id, out var changed) && (changed.Code != poll.Code || changed.DeletedAt is not null));
    }

    private Poll? CurrentPoll(string pollId) =>
        _pendingPolls.TryGetValue(pollId, out var pending) ? pending : polls.View(partition).TryGetHeld(pollId, out var committed) ? committed : null;

    private Poll CurrentPollOrThrow(string pollId) =>
        polls.View(partition).TryGetHeld(pollId, out var poll) ? poll : throw new InvalidOperationException($"Poll {pollId} vanished from the registry.");

    private async Task CommitAsync()
    {
        var now = time.GetUtcNow();
        _batch.AtUnixMs = now.ToUnixTimeMilliseconds();
        var started = Stopwatch.GetTimestamp();
        using var activity = LiveVoteTelemetry.StartBatchCommit(_waiters.AsSpan(0, _batch.VoteCount), _links);
        try
        {
            await WithinDeadlineAsync(store.CommitAsync(_batch, _chain!));
        }
        catch (PollChangeRefusedException e)
        {
            // Another node changed the poll first: this batch wrote nothing; its votes are retried by their clients.
            LogPollChangeRefused(logger, e.PollId);
            FailBatch(PollCommandStatus.InvalidTransition);
            return;
        }
        catch (Exception e)
        {
            LogCommitFailed(logger, e, _batch.VoteCount);
            LiveVoteTelemetry.StoreError(partition);
            activity?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
            FailBatch();

            // A failing disk or database fails every batch alike; pause briefly instead of spinning on it.
            await Task.Delay(TimeSpan.FromMilliseconds(50), time);
            await ReconnectAsync();
            return;
        }

        LiveVoteTelemetry.BatchCommitted(_batch.VoteCount, Stopwatch.GetElapsedTime(started), partition);
        PublishHeads(_chain!.GrownLogs);
        if (heads is not null && _pendingPolls.Count > 0)
        {
            heads.SignSoon();
        }

        AnswerBatch(now);
    }

    /// <summary>
    /// After a failed batch, an empty commit until one succeeds or votes arrive (they reconnect the store themselves):
    /// a store whose connection was lost, or whose commit's outcome is unknown, is not ready until its writer has
    /// reconnected, and a node out of the load balancer gets no vote to make it. Backs off to 5 s between tries.
    /// </summary>
    private async Task ReconnectAsync()
    {
        var reader = queue.Reader;
        var pause = TimeSpan.FromMilliseconds(100);
        while (reader.Count == 0 && !reader.Completion.IsCompleted)
        {
            try
            {
                await WithinDeadlineAsync(store.CommitAsync(_batch, _chain!));
                return;
            }
            catch (Exception e)
            {
                LogReconnectFailed(logger, e);
                await Task.Delay(pause, time);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    private void AnswerBatch(DateTimeOffset now)
    {
        foreach (var (pollId, poll) in _pendingPolls)
        {
            polls.Committed(partition, poll);
            if (_publishesTotals)
            {
                // A draft's edit may change its options: its (empty) tally takes their shape.
                if (!_tallies.TryGetValue(pollId, out var tally) || tally.Length != poll.Options.Length)
                {
                    _tallies[pollId] = new long[poll.Options.Length];
                }

                _touched.Add(pollId);
            }
        }

        var votes = _batch.Votes;
        var decided = _batch.Results;
        if (_publishesTotals)
        {
            for (var i = 0; i < votes.Length; i++)
            {
                if (decided[i].Outcome == VoteOutcome.Accepted && _tallies.TryGetValue(votes[i].Poll.Id, out var tally))
                {
                    tally[votes[i].OptionIndex]++;
                    _touched.Add(votes[i].Poll.Id);
                }
            }
        }

        // The totals first, then the answers: the live totals (the producer's view, a freeze) hold a vote before its 201.
        foreach (var pollId in _touched)
        {
            var poll = CurrentPollOrThrow(pollId);
            results.Report(poll, (long[])_tallies[pollId].Clone(), _chain!.LastSeq, now);
        }

        if (!_answeredEarly)
        {
            for (var i = 0; i < votes.Length; i++)
            {
                LiveVoteTelemetry.VoteDecided(decided[i].Outcome);
                _waiters[i]!.SetResult(decided[i]);
            }
        }

        foreach (var command in _answeredEarly ? [] : _pollCommands)
        {
            command.Complete(new PollCommandResult(PollCommandStatus.Done, _pendingPolls[command.PollId]));
        }

        Reset();
    }

    /// <summary>The committed size and root of each log the batch grew, for the <see cref="HeadSigner"/> (a few hashes per log, per batch).</summary>
    private void PublishHeads(IEnumerable<string> grown)
    {
        if (heads is null)
        {
            return;
        }

        foreach (var pollId in grown)
        {
            var log = _chain!.Log(pollId)!;
            heads.Committed(partition, _chain.ChainId, pollId, log.Size, log.Root());
        }
    }

    private void FailBatch(PollCommandStatus pollStatus = PollCommandStatus.StoreFailed)
    {
        // Nobody waits for a note to retry it: a failed commit loses it, and says so.
        LiveVoteTelemetry.AuditNotesDropped(_batch.NoteCount);
        if (_answeredEarly)
        {
            Reset();
            return;
        }

        for (var i = 0; i < _batch.VoteCount; i++)
        {
            _waiters[i]!.SetResult(VoteResult.StoreFailed);
            LiveVoteTelemetry.VoteDecided(VoteOutcome.StoreFailed);
        }

        foreach (var command in _pollCommands)
        {
            command.Complete(pollStatus == PollCommandStatus.StoreFailed
                ? new PollCommandResult(pollStatus, null)
                : polls.View(partition).TryGetHeld(command.PollId, out var committed)
                    ? new PollCommandResult(pollStatus, committed)
                    : new PollCommandResult(PollCommandStatus.NotFound, null));
        }

        Reset();
    }

    private void Reset()
    {
        _answeredEarly = false;
        Array.Clear(_waiters, 0, _batch.VoteCount);
        _batch.Clear();
        _pollCommands.Clear();
        _pendingPolls.Clear();
        _touched.Clear();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopped with a commit still in flight: its outcome is settled by the clients' retries")]
    private static partial void LogStoppedWithCommitInFlight(ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Reconnecting the store failed; trying again")]
    private static partial void LogReconnectFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Store opened: {Polls} polls, {Votes} votes, audit head seq {Seq}")]
    private static partial void LogOpened(ILogger logger, int polls, long votes, long seq);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A change of poll {PollId} was refused by the store: another node changed it first")]
    private static partial void LogPollChangeRefused(ILogger logger, string pollId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Commit of a batch of {Votes} votes failed; the batch was answered 503 (outcome unknown: retries settle it)")]
    private static partial void LogCommitFailed(ILogger logger, Exception exception, int votes);
}
