using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace LiveVote.Server.Storage.Sqlite;

/// <summary>
/// A snapshot of the dedup index taken while the node runs (<see cref="SqliteVoteStore"/> starts one when enough votes
/// came in since the last), without stopping the vote writer for the ~2 s a whole copy of a 20M-vote index would take:
/// the writer thread, which alone changes the index, copies a few of its tables after each committed batch
/// (<see cref="Step"/>) and hands the copies to a background thread that streams them to the file
/// (<see cref="VoteIndexSnapshot.Writer"/>), so at most <see cref="MaxQueuedBytes"/> of copies exist at a time, never a
/// second whole index.
/// <para>
/// Why the file is still the index "as of" its mark: the mark is the newest committed audit entry when the snapshot
/// starts, and the index only ever gains entries between batches (a failed batch's entries are taken out, and such a
/// failure abandons the snapshot). So each table, whenever it is copied, holds every vote of the mark or before that
/// falls in it, and possibly some committed after the mark (tables copied later hold more of those). The load
/// (<see cref="SqliteVoteIndex"/>'s catch-up after a snapshot) reads every vote after the mark and skips the (hash, seq)
/// pairs the tables already hold, so each vote is in the index once, and the store checks each poll's count against its
/// tallies as for any snapshot. Anything that makes the copied tables wrong abandons the snapshot (<see cref="Abandon"/>):
/// a voter-key destruction (it bumps the index generation) or a failed commit; the previous file stays.
/// </para>
/// </summary>
internal sealed partial class RunningIndexSnapshot : IDisposable
{
    /// <summary>
    /// Copies waiting for the file at most: 64 MiB (at 20M votes in one poll a table is 7-10 MiB, so ~6-9 tables). Enough
    /// for the writer to run ahead of the disk's bursts; when it is full the writer copies nothing and goes on voting.
    /// </summary>
    public const long MaxQueuedBytes = 64L << 20;

    /// <summary>
    /// What the writer copies after one batch by default: tables until 4 MiB are copied (at least one): a 4-10 MiB copy is
    /// ~1-2 ms of memory bandwidth (an estimate, not timed on its own), small against a batch's commit (an fsync, ~5 ms),
    /// and a 500 MB index is copied over ~50-120 batches (a few seconds at 50k votes/s).
    /// </summary>
    public const long DefaultCopyBytesPerBatch = 4L << 20;

    private readonly (string Id, PollVoteIndex Poll)[] _polls;
    private readonly BlockingCollection<TableCopy> _copies = new();
    private readonly CancellationTokenSource _abandon = new();
    private readonly ILogger _logger;
    private long _queuedBytes;
    private int _poll;
    private int _table;

    private RunningIndexSnapshot(VoteIndexMark mark, long votes, (string, PollVoteIndex)[] polls, ILogger logger)
    {
        (Mark, Votes, _polls, _logger) = (mark, votes, polls, logger);
    }

    /// <summary>The mark the file carries: every vote up to its seq is in it.</summary>
    public VoteIndexMark Mark { get; }

    /// <summary>Votes in the index at the mark.</summary>
    public long Votes { get; }

    /// <summary>The file's size once written and renamed into place; cancelled when abandoned, faulted when the write failed.</summary>
    public Task<long> Written { get; private set; } = Task.FromResult(0L);

    /// <summary>Whether every table is handed over (the file is then completed in the background).</summary>
    public bool Copied => _poll == _polls.Length;

    /// <summary>
    /// Starts a snapshot of <paramref name="polls"/> (the writer's live tables, <paramref name="votes"/> votes, as of
    /// <paramref name="mark"/>) into <paramref name="path"/>; the writer thread then calls <see cref="Step"/> between batches.
    /// </summary>
    public static RunningIndexSnapshot Start(string path, VoteIndexMark mark, long votes, IReadOnlyDictionary<string, PollVoteIndex> polls,
        ILogger logger)
    {
        var ordered = polls.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, p.Value)).ToArray();
        var snapshot = new RunningIndexSnapshot(mark, votes, ordered, logger);
        snapshot.Written = Task.Factory.StartNew(() => snapshot.WriteAll(path), CancellationToken.None, TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        return snapshot;
    }

    /// <summary>
    /// On the writer thread, between batches: copies the next tables until <paramref name="copyBytes"/> are copied (at
    /// least one table), unless <see cref="MaxQueuedBytes"/> of copies already wait for the file.
    /// </summary>
    public void Step(long copyBytes)
    {
        long copied = 0;
        while (!Copied && copied < copyBytes && !_abandon.IsCancellationRequested)
        {
            var (id, poll) = _polls[_poll];
            var table = poll.Tables[_table];
            var half = table.Capacity * sizeof(ulong);
            var queued = Volatile.Read(ref _queuedBytes);
            if (queued != 0 && queued + (2L * half) > MaxQueuedBytes)
            {
                return;
            }

            var buffer = ArrayPool<byte>.Shared.Rent(2 * half);
            MemoryMarshal.AsBytes(table.Hashes.AsSpan()).CopyTo(buffer);
            MemoryMarshal.AsBytes(table.Seqs.AsSpan()).CopyTo(buffer.AsSpan(half));
            Interlocked.Add(ref _queuedBytes, 2L * half);
            _copies.Add(new TableCopy(_table == 0 ? id : null, table.Count, buffer, half));
            copied += 2L * half;
            if (++_table == PollVoteIndex.Shards)
            {
                (_poll, _table) = (_poll + 1, 0);
            }
        }

        if (Copied && !_copies.IsAddingCompleted)
        {
            _copies.CompleteAdding();
        }
    }

    /// <summary>Gives the snapshot up (from any thread): the background write stops and deletes its temporary file.</summary>
    public void Abandon() => _abandon.Cancel();

    /// <summary>Once <see cref="Written"/> has completed, by the thread that steps it (nothing uses it afterwards).</summary>
    public void Dispose()
    {
        _abandon.Dispose();
        _copies.Dispose();
    }

    // The background thread: the tables in the order they were copied, each poll announced with its first table.
    private long WriteAll(string path)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var writer = new VoteIndexSnapshot.Writer(path, Mark, _polls.Length);
            foreach (var copy in _copies.GetConsumingEnumerable(_abandon.Token))
            {
                if (copy.PollId is not null)
                {
                    writer.BeginPoll(copy.PollId);
                }

                writer.WriteTable(copy.Count, copy.Buffer.AsSpan(0, copy.Half), copy.Buffer.AsSpan(copy.Half, copy.Half));
                ArrayPool<byte>.Shared.Return(copy.Buffer);
                Interlocked.Add(ref _queuedBytes, -2L * copy.Half);
            }

            _abandon.Token.ThrowIfCancellationRequested();
            var bytes = writer.Complete();
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            LogWritten(_logger, Votes, Mark.Seq, bytes, seconds);
            return bytes;
        }
        catch (OperationCanceledException)
        {
            LogAbandoned(_logger, Mark.Seq);
            throw;
        }
        catch (Exception e)
        {
            // The writer stops copying (its queue is no longer drained) and a later one tries again; the node votes on.
            _abandon.Cancel();
            LogFailed(_logger, Mark.Seq, e);
            throw;
        }
    }

    /// <summary>One table as the writer copied it: hashes in the first <see cref="Half"/> bytes of the buffer, seqs in the next.</summary>
    private readonly record struct TableCopy(string? PollId, int Count, byte[] Buffer, int Half);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Vote index snapshot written while running: {Votes} votes up to audit seq {Seq}, {Bytes} bytes, in {Seconds:F2} s")]
    private static partial void LogWritten(ILogger logger, long votes, long seq, long bytes, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Vote index snapshot at audit seq {Seq} abandoned: the previous one stays")]
    private static partial void LogAbandoned(ILogger logger, long seq);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Vote index snapshot at audit seq {Seq} not written: the previous one stays")]
    private static partial void LogFailed(ILogger logger, long seq, Exception exception);
}
