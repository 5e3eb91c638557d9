using System.Diagnostics;
using LiveVote.Server.Audit;
using Microsoft.Data.Sqlite;

namespace LiveVote.Server.Storage.Sqlite;

/// <summary>
/// The dedup index's snapshot (<see cref="VoteIndexSnapshot"/>): written while the node runs, each time enough votes came
/// in since the last (<see cref="RunningIndexSnapshot"/>, so a crash reads only the votes after the newest), and at a
/// clean stop; loaded at the next open when
/// it is provably this database's index up to its mark, then extended by the votes stored after the mark. Anything
/// else (no file, damaged, another generation, another or older database, counts that differ from the tallies) is
/// logged and the index is rebuilt from every stored vote: a wrong index would accept a second vote or refuse a first.
/// </summary>
public sealed partial class SqliteVoteStore
{
    /// <summary>How the last open loaded the index: from the snapshot (and how many votes it read after it), or rebuilt and why.</summary>
    internal IndexLoadReport IndexLoad { get; private set; }

    // The snapshot being written while the node runs (at most one), and the index's size when the newest one (written,
    // failed or loaded) was taken: the next starts once enough votes came in after it. 0 when no usable one exists.
    private RunningIndexSnapshot? _running;
    private long _snapshotBase;

    /// <summary>How many bytes of tables the writer copies after a batch into a running snapshot (tests take one table at a time).</summary>
    internal long IndexSnapshotCopyBytesPerBatch { get; init; } = RunningIndexSnapshot.DefaultCopyBytesPerBatch;

    /// <summary>The newest snapshot started while running (tests wait for its file).</summary>
    internal RunningIndexSnapshot? LastRunningSnapshot { get; private set; }

    private long LoadIndex(Dictionary<string, long> expectedVotes)
    {
        var path = VoteIndexSnapshot.PathFor(_path);
        var started = Stopwatch.GetTimestamp();
        if (TryLoadSnapshot(path, expectedVotes, out var mark, out var added, out var whyNot))
        {
            var total = _index.Count;
            _snapshotBase = total - added;
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            LogSnapshotLoaded(_logger, total, mark.Seq, added, seconds);
            IndexLoad = new IndexLoadReport(FromSnapshot: true, added, WhyRebuilt: null);
            return total;
        }

        LogRebuilding(_logger, path, whyNot);
        _snapshotBase = 0;
        _index.Reset();
        started = Stopwatch.GetTimestamp();
        var count = _index.Load(_connection!, expectedVotes);
        var rebuildSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        LogRebuilt(_logger, count, rebuildSeconds);
        IndexLoad = new IndexLoadReport(FromSnapshot: false, count, whyNot);
        return count;
    }

    private bool TryLoadSnapshot(string path, Dictionary<string, long> expectedVotes, out VoteIndexMark mark, out long added, out string whyNot)
    {
        added = 0;
        Dictionary<string, PollVoteIndex>? polls;
        try
        {
            polls = VoteIndexSnapshot.TryRead(path, out mark, out whyNot);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            (mark, whyNot) = (default, $"unreadable ({e.Message})");
            return false;
        }

        if (polls is null)
        {
            return false;
        }

        var generation = (long)Scalar("SELECT generation FROM vote_index_generation WHERE id = 1")!;
        if (mark.Generation != generation)
        {
            whyNot = $"it is of index generation {mark.Generation}, the database of {generation}";
            return false;
        }

        // The chain hash at the mark commits to every entry up to it: the same hash means the same votes up to there.
        using (var command = _connection!.CreateCommand())
        {
            command.CommandText = "SELECT hash FROM audit WHERE seq = $seq";
            command.Parameters.AddWithValue("$seq", mark.Seq);
            if (command.ExecuteScalar() is not byte[] hash || Sha256Hash.Read(hash) != mark.Hash)
            {
                whyNot = $"the database's audit entry {mark.Seq} is not the one it covers (another or an older database)";
                return false;
            }
        }

        added = _index.Load(_connection!, polls, mark.Seq);

        // Every vote counts once in its poll's tallies: each poll's entries must be its stored total.
        foreach (var (pollId, poll) in _index.Polls)
        {
            if (poll.Count != expectedVotes.GetValueOrDefault(pollId))
            {
                whyNot = $"poll {pollId} has {poll.Count} votes in it and {expectedVotes.GetValueOrDefault(pollId)} in the tallies";
                return false;
            }
        }

        foreach (var (pollId, votes) in expectedVotes)
        {
            if (votes != 0 && !_index.Polls.ContainsKey(pollId))
            {
                whyNot = $"poll {pollId} has {votes} votes in the tallies and none in it";
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// After each committed batch, on the writer: the running snapshot copies its next tables; or, when none runs and
    /// the votes since the last reach <see cref="SqliteOptions.IndexSnapshotMinVotes"/> or a tenth of the index, a new
    /// one starts at the newest committed entry. A generation bump abandons the one in flight (the file would be refused).
    /// </summary>
    private void AdvanceRunningSnapshot(AuditChain chain, bool generationBumped)
    {
        try
        {
            StepOrStartRunningSnapshot(chain, generationBumped);
        }
        catch (Exception e)
        {
            // The batch is committed: nothing about a snapshot may fail it. This one is given up; the next waits for
            // as many votes again (_snapshotBase), so a failing disk is not retried after every batch.
            AbandonRunningSnapshot();
            LogSnapshotNotWritten(_logger, VoteIndexSnapshot.PathFor(_path), e);
        }
    }

    private void StepOrStartRunningSnapshot(AuditChain chain, bool generationBumped)
    {
        if (generationBumped)
        {
            // Every snapshot on disk is now of an older generation: the next one starts as soon as this one's thread ended.
            AbandonRunningSnapshot();
            _snapshotBase = 0;
        }

        if (_running is { } running)
        {
            if (!running.Written.IsCompleted)
            {
                running.Step(IndexSnapshotCopyBytesPerBatch);
                return;
            }

            _ = running.Written.Exception; // observed: a failure was logged by the snapshot itself
            running.Dispose();
            _running = null;
        }

        // One at a time, an abandoned one's thread included (it deletes the temporary file a new one would write).
        var votes = _index.Count;
        if (_commitFailed || !_indexLoaded || Volatile.Read(ref _writerState) == Closing
            || LastRunningSnapshot is { Written.IsCompleted: false }
            || votes - _snapshotBase < Math.Max(_snapshotMinVotes, votes / 10))
        {
            return;
        }

        // Written, failed or abandoned, the next one waits for as many votes again.
        _snapshotBase = votes;
        var generation = (long)Scalar("SELECT generation FROM vote_index_generation WHERE id = 1")!;
        var mark = new VoteIndexMark(generation, chain.LastSeq, chain.LastHash);
        _running = LastRunningSnapshot = RunningIndexSnapshot.Start(VoteIndexSnapshot.PathFor(_path), mark, votes, _index.Polls, _logger);
        _running.Step(IndexSnapshotCopyBytesPerBatch);
    }

    private void AbandonRunningSnapshot()
    {
        // Its thread stops and deletes its temporary file; the object is left to the collector (it may still be writing).
        _running?.Abandon();
        _running = null;
    }

    /// <summary>At the stop: the running snapshot (if any) abandoned and its thread ended, before the final one is written.</summary>
    private async Task StopRunningSnapshotAsync(bool writerStopped)
    {
        // An abandoned one may still be deleting its temporary file: wait for it too (the final one writes the same name).
        if (LastRunningSnapshot is not { } running)
        {
            return;
        }

        _running?.Abandon();
        try
        {
            await running.Written.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Abandoned or failed, whatever the failure (logged by the snapshot): the stop goes on, and the final
            // snapshot below replaces it.
        }

        // A commit still running (the host's stop timed out) may step it yet: left to the collector then.
        if (writerStopped)
        {
            _running?.Dispose();
        }

        _running = null;
    }

    /// <summary>
    /// At a clean stop (the writer has drained and committed, and no commit can start): the index as of the newest audit
    /// entry, to a file beside the database. A failure only costs the next start a rebuild: logged, never thrown.
    /// </summary>
    private void WriteIndexSnapshot()
    {
        if (!_indexLoaded || _commitFailed || _index.Count == 0)
        {
            // Nothing worth a file, or an index not to be trusted past this run; an older snapshot on disk stays usable
            // (its mark and the votes after it are checked at the next open).
            return;
        }

        var path = VoteIndexSnapshot.PathFor(_path);
        try
        {
            var started = Stopwatch.GetTimestamp();
            var generation = (long)Scalar("SELECT generation FROM vote_index_generation WHERE id = 1")!;
            long seq;
            Sha256Hash hash;
            using (var command = _connection!.CreateCommand())
            {
                command.CommandText = "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1";
                using var reader = command.ExecuteReader();
                if (!reader.Read())
                {
                    return;
                }

                (seq, hash) = (reader.GetInt64(0), Sha256Hash.Read((byte[])reader.GetValue(1)));
            }

            var bytes = VoteIndexSnapshot.Write(path, new VoteIndexMark(generation, seq, hash), _index.Polls);
            var (votes, seconds) = (_index.Count, Stopwatch.GetElapsedTime(started).TotalSeconds);
            LogSnapshotWritten(_logger, votes, seq, bytes, seconds);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SqliteException)
        {
            LogSnapshotNotWritten(_logger, path, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Vote index loaded from its snapshot: {Votes} votes, {Added} of them stored after its audit seq {Seq}, in {Seconds:F2} s")]
    private static partial void LogSnapshotLoaded(ILogger logger, long votes, long seq, long added, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Vote index snapshot {Path} not used ({Reason}): rebuilding the index from every stored vote")]
    private static partial void LogRebuilding(ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Vote index rebuilt from {Votes} stored votes in {Seconds:F2} s")]
    private static partial void LogRebuilt(ILogger logger, long votes, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Vote index snapshot written: {Votes} votes up to audit seq {Seq}, {Bytes} bytes, in {Seconds:F2} s")]
    private static partial void LogSnapshotWritten(ILogger logger, long votes, long seq, long bytes, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Vote index snapshot {Path} not written: the next start rebuilds the index")]
    private static partial void LogSnapshotNotWritten(ILogger logger, string path, Exception exception);
}

/// <summary>How <see cref="SqliteVoteStore"/> loaded its dedup index at open.</summary>
/// <param name="VotesRead">Votes read from the database: those after the snapshot's mark, or all of them in a rebuild.</param>
/// <param name="WhyRebuilt">Why the snapshot was not used (null when it was).</param>
internal readonly record struct IndexLoadReport(bool FromSnapshot, long VotesRead, string? WhyRebuilt);
