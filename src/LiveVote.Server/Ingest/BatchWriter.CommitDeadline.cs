using LiveVote.Server.Polls;
using LiveVote.Server.Storage;
using LiveVote.Server.Telemetry;
using LiveVote.Server.Votes;

namespace LiveVote.Server.Ingest;

/// <summary>
/// A commit that outlives <see cref="IngestOptions.CommitDeadlineMs"/>: its requests are answered 503 while it goes on
/// (it is never cancelled: its outcome would be unknown), and so is every vote and poll change queued while it runs,
/// at once. The writer still commits one batch at a time; when the stalled commit ends, the registry and totals
/// follow what it stored, and its requests' retries find their votes (200, same vote id) or store them (201).
/// </summary>
internal sealed partial class BatchWriter
{
    /// <summary>
    /// Notes taken from the queue while a commit is stalled, kept for the next batch. Notes are rare (risk decisions,
    /// lockouts); 1,024 covers a long stall of a busy node, and beyond that a note is dropped and counted.
    /// </summary>
    private const int MaxDeferredNotes = 1024;

    private readonly List<AuditNote> _deferredNotes = [];

    // Set once the batch in flight was answered 503 at its deadline: its requests are answered, only state follows.
    private bool _answeredEarly;

    private async Task WithinDeadlineAsync(ValueTask commit)
    {
        if (commit.IsCompleted)
        {
            // The embedded store commits synchronously (fsync included): no timer, no allocation.
            await commit;
            return;
        }

        var running = commit.AsTask();
        using (var deadlinePassed = new CancellationTokenSource())
        {
            var deadline = Task.Delay(TimeSpan.FromMilliseconds(options.Value.CommitDeadlineMs), time, deadlinePassed.Token);
            if (await Task.WhenAny(running, deadline) != running)
            {
                LogCommitStalled(logger, options.Value.CommitDeadlineMs, _batch.VoteCount);
                AnswerStalledBatch();
                await RefuseWhileRunningAsync(running);
            }

            await deadlinePassed.CancelAsync();
        }

        await running;
    }

    private void AnswerStalledBatch()
    {
        _answeredEarly = true;
        for (var i = 0; i < _batch.VoteCount; i++)
        {
            _waiters[i]!.SetResult(VoteResult.StoreFailed);
            LiveVoteTelemetry.VoteDecided(VoteOutcome.StoreFailed);
        }

        foreach (var command in _pollCommands)
        {
            command.Complete(new PollCommandResult(PollCommandStatus.StoreFailed, null));
        }
    }

    /// <summary>Answers what arrives while the stalled commit runs, so no request waits behind it.</summary>
    private async Task RefuseWhileRunningAsync(Task running)
    {
        var reader = queue.Reader;
        while (!running.IsCompleted)
        {
            var arrival = reader.WaitToReadAsync().AsTask();
            if (await Task.WhenAny(running, arrival) == running || !await arrival)
            {
                return;
            }

            while (!running.IsCompleted && reader.TryRead(out var command))
            {
                Refuse(command);
            }
        }
    }

    private void Refuse(in WriterCommand command)
    {
        switch (command.Kind)
        {
            case WriterCommandKind.Vote:
                command.Completion.SetResult(VoteResult.StoreFailed);
                LiveVoteTelemetry.VoteDecided(VoteOutcome.StoreFailed);
                break;
            case WriterCommandKind.PollChange:
                command.PollCommand.Complete(new PollCommandResult(PollCommandStatus.StoreFailed, null));
                break;
            default:
                if (_deferredNotes.Count < MaxDeferredNotes)
                {
                    _deferredNotes.Add(command.AuditNote);
                }
                else
                {
                    LiveVoteTelemetry.AuditNotesDropped(1);
                }

                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "A commit of {Votes} votes has run past its {DeadlineMs} ms deadline: its requests and new ones are answered 503 until it ends")]
    private static partial void LogCommitStalled(ILogger logger, int deadlineMs, int votes);
}
