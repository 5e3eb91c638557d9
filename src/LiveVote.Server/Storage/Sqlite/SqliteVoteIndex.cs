using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using LiveVote.Server.Audit;
using LiveVote.Server.Votes;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace LiveVote.Server.Storage.Sqlite;

/// <summary>
/// The SQLite writer's exact dedup index: which voters have a standing vote in which poll, so a new vote is decided
/// without reading the database. In memory it keeps only a hash of each voter key and the vote's seq
/// (<see cref="PollVoteIndex"/>, ~21-32 bytes per stored vote); the answer a retry or a second vote gets (option,
/// receipt, leaf) is read from the stored row of that seq, the rare path, which also confirms the full voter key (so a
/// hash shared by two voters never merges them). Votes the current batch accepted are not in the database yet: their
/// answers are kept aside until the next batch starts, and removed from the index if the batch's transaction fails.
/// Used by the writer thread only.
/// </summary>
internal sealed class SqliteVoteIndex : IDisposable
{
    private const string StandingSql =
        "SELECT v.voter_key, v.option_id, a.hash, a.leaf FROM votes v JOIN audit a ON a.seq = v.seq WHERE v.seq = ?1";

    private readonly Dictionary<string, PollVoteIndex> _polls = new(StringComparer.Ordinal);

    // This batch's accepted votes, by seq, until their rows are committed; and what to remove if they never are.
    private readonly Dictionary<long, (VoterKey Key, StandingVote Vote)> _pending = [];
    private readonly List<(PollVoteIndex Poll, ulong Hash, long Seq)> _added = [];

    // A batch's votes are nearly all for one poll, whose id is the same string instance in each: one search of the
    // outer table per batch, not two per vote.
    private string? _lastPollId;
    private PollVoteIndex? _lastPoll;

    private sqlite3? _db;
    private sqlite3_stmt? _standing;

    /// <summary>Stored votes in the index.</summary>
    public long Count
    {
        get
        {
            long count = 0;
            foreach (var poll in _polls.Values)
            {
                count += poll.Count;
            }

            return count;
        }
    }

    /// <summary>Bytes of the index's slot arrays, for the growth benchmark (bench/growth.sh).</summary>
    public long Bytes
    {
        get
        {
            long bytes = 0;
            foreach (var poll in _polls.Values)
            {
                bytes += poll.Bytes;
            }

            return bytes;
        }
    }

    /// <summary>Each poll's tables, for <see cref="VoteIndexSnapshot"/> to write out.</summary>
    public IReadOnlyDictionary<string, PollVoteIndex> Polls => _polls;

    /// <summary>
    /// Rebuilds the index from the votes table on the writer's connection: one sequential scan of the three columns it
    /// needs, through SQLitePCL (no per-row objects), each poll's tables sized up front from its stored total
    /// (<paramref name="expectedVotes"/>, the tallies' sum). Returns the number of stored votes.
    /// </summary>
    public long Load(SqliteConnection connection, IReadOnlyDictionary<string, long> expectedVotes)
    {
        Attach(connection);
        foreach (var (pollId, votes) in expectedVotes)
        {
            _polls[pollId] = new PollVoteIndex(votes);
        }

        return Scan(afterSeq: 0, fromSnapshot: false);
    }

    /// <summary>
    /// Takes <paramref name="polls"/> (read from a snapshot covering the votes up to seq <paramref name="afterSeq"/>) as
    /// the index and adds the votes stored after it, read by a range scan of the votes' rowid (seq), which only grows.
    /// A snapshot written while the node ran may already hold some votes after its mark (its tables were copied one at
    /// a time, <see cref="RunningIndexSnapshot"/>): a (hash, seq) pair already there is not added again. Returns the
    /// number of votes read after the mark.
    /// </summary>
    public long Load(SqliteConnection connection, Dictionary<string, PollVoteIndex> polls, long afterSeq)
    {
        Attach(connection);
        _polls.Clear();
        foreach (var (pollId, poll) in polls)
        {
            _polls[pollId] = poll;
        }

        return Scan(afterSeq, fromSnapshot: true);
    }

    /// <summary>Drops everything loaded (a snapshot that did not check out), ready for a <see cref="Load(SqliteConnection, IReadOnlyDictionary{string, long})"/>.</summary>
    public void Reset()
    {
        Dispose();
        _polls.Clear();
        (_lastPollId, _lastPoll) = (null, null);
    }

    /// <summary>
    /// Reads the votes with seq above <paramref name="afterSeq"/> into the index in two stages on two threads: this one
    /// steps SQLite and copies each row's poll, voter key and seq into a chunk; a second one hashes a chunk's keys and
    /// places them, prefetching the slots of the entries a few places ahead. Reading rows and placing them into tables
    /// far larger than the cache each took about half of a one-thread rebuild, so on two cores they overlap.
    /// </summary>
    // Optimised at once: the scan runs once, for seconds, and a busy machine's tiering thread could leave it in tier-0 code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private long Scan(long afterSeq, bool fromSnapshot)
    {
        // Chunks in flight: enough for either stage to run ahead of the other by a few chunks (smoothing the pauses of
        // each), few enough to stay small (4 x 8,192 x 32 bytes = 1 MiB).
        const int ChunksInFlight = 4;
        using var full = new BlockingCollection<ScanChunk>(ChunksInFlight);
        using var free = new BlockingCollection<ScanChunk>();
        for (var i = 0; i < ChunksInFlight + 1; i++)
        {
            free.Add(new ScanChunk());
        }

        using var placerFailed = new CancellationTokenSource();
        var placer = Task.Factory.StartNew(() => PlaceAll(full, free, placerFailed, fromSnapshot), CancellationToken.None, TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        var db = _db!;
        long count = 0;
        try
        {
            SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v2(db, "SELECT poll_id, voter_key, seq FROM votes WHERE seq > ?1", out var scan), db);
            using (scan)
            {
                SqliteException.ThrowExceptionForRC(raw.sqlite3_bind_int64(scan, 1, afterSeq), db);
                byte[] lastPollId = [];
                PollVoteIndex? poll = null;
                var chunk = free.Take(placerFailed.Token);
                int result;
                while ((result = raw.sqlite3_step(scan)) == raw.SQLITE_ROW)
                {
                    var pollId = raw.sqlite3_column_blob(scan, 0);
                    if (poll is null || !pollId.SequenceEqual(lastPollId))
                    {
                        poll = For(Encoding.UTF8.GetString(pollId));
                        lastPollId = pollId.ToArray();
                    }

                    var n = chunk.Count++;
                    chunk.Polls[n] = poll;
                    chunk.Keys[n] = VoterKey.Read(raw.sqlite3_column_blob(scan, 1));
                    chunk.Seqs[n] = raw.sqlite3_column_int64(scan, 2);
                    count++;
                    if (chunk.Count == ScanChunk.Size)
                    {
                        full.Add(chunk, placerFailed.Token);
                        chunk = free.Take(placerFailed.Token);
                    }
                }

                if (result != raw.SQLITE_DONE)
                {
                    SqliteException.ThrowExceptionForRC(result, db);
                }

                full.Add(chunk, placerFailed.Token);
            }
        }
        catch (OperationCanceledException) when (placerFailed.IsCancellationRequested)
        {
            // The placer failed: its exception is the one to report (below).
        }
        finally
        {
            full.CompleteAdding();
            placer.GetAwaiter().GetResult();
        }

        return count;
    }

    // Hashes and places one chunk after another; on failure it cancels the reader's waits for a chunk or for room.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PlaceAll(BlockingCollection<ScanChunk> full, BlockingCollection<ScanChunk> free, CancellationTokenSource failed,
        bool skipPresent)
    {
        // How many entries ahead the slots are prefetched: enough misses in flight to cover a memory access (~100 ns)
        // at the ~10-20 ns a placement takes when its lines are already there.
        const int Ahead = 8;
        try
        {
            foreach (var chunk in full.GetConsumingEnumerable())
            {
                var (n, polls, hashes, seqs) = (chunk.Count, chunk.Polls, chunk.Hashes, chunk.Seqs);
                for (var i = 0; i < n; i++)
                {
                    hashes[i] = PollVoteIndex.HashOf(chunk.Keys[i]);
                }

                for (var i = 0; i < n; i++)
                {
                    if (i + Ahead < n)
                    {
                        polls[i + Ahead].Prefetch(hashes[i + Ahead]);
                    }

                    if (skipPresent)
                    {
                        polls[i].AddIfAbsent(hashes[i], seqs[i]);
                    }
                    else
                    {
                        polls[i].Add(hashes[i], seqs[i]);
                    }
                }

                Array.Clear(polls, 0, n);
                chunk.Count = 0;
                free.Add(chunk);
            }
        }
        catch
        {
            failed.Cancel();
            throw;
        }
    }

    /// <summary>Rows handed from the reading thread to the placing one (8,192 a chunk: 256 KiB, in the L2 cache).</summary>
    private sealed class ScanChunk
    {
        public const int Size = 8192;

        public int Count;

        public PollVoteIndex[] Polls { get; } = new PollVoteIndex[Size];

        public VoterKey[] Keys { get; } = new VoterKey[Size];

        public ulong[] Hashes { get; } = new ulong[Size];

        public long[] Seqs { get; } = new long[Size];
    }

    /// <summary>Forgets the previous batch's answers (its rows are committed: the database answers for them now).</summary>
    public void BatchStarting()
    {
        _pending.Clear();
        _added.Clear();
    }

    /// <summary>Takes out what the failed batch added: the index always equals the file.</summary>
    public void BatchFailed()
    {
        foreach (var (poll, hash, seq) in _added)
        {
            poll.Remove(hash, seq);
        }

        BatchStarting();
    }

    public bool TryGet(string pollId, in VoterKey voterKey, out StandingVote vote)
    {
        var poll = ReferenceEquals(pollId, _lastPollId) ? _lastPoll : _polls.GetValueOrDefault(pollId);
        if (poll is not null)
        {
            var matches = poll.Find(PollVoteIndex.HashOf(voterKey));
            while (matches.MoveNext())
            {
                if (_pending.TryGetValue(matches.Current, out var pending))
                {
                    if (pending.Key == voterKey)
                    {
                        vote = pending.Vote;
                        return true;
                    }
                }
                else if (TryReadStored(matches.Current, voterKey, out vote))
                {
                    return true;
                }
            }
        }

        vote = default;
        return false;
    }

    public void Add(string pollId, in VoterKey voterKey, in StandingVote vote)
    {
        var poll = For(pollId);
        var hash = PollVoteIndex.HashOf(voterKey);
        poll.Add(hash, vote.Seq);
        _pending[vote.Seq] = (voterKey, vote);
        _added.Add((poll, hash, vote.Seq));
    }

    public void Dispose()
    {
        _standing?.Dispose();
        _standing = null;
    }

    private void Attach(SqliteConnection connection)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v2(_db, StandingSql, out var standing), _db);
        _standing = standing;
    }

    /// <summary>
    /// The stored vote of seq <paramref name="seq"/>, if it is <paramref name="voterKey"/>'s (else another voter's key
    /// shares the hash: not this voter's vote). Read on the writer's connection, inside its transaction.
    /// </summary>
    private bool TryReadStored(long seq, in VoterKey voterKey, out StandingVote vote)
    {
        var statement = _standing ?? throw new InvalidOperationException("The index is not loaded.");
        try
        {
            SqliteException.ThrowExceptionForRC(raw.sqlite3_bind_int64(statement, 1, seq), _db);
            var result = raw.sqlite3_step(statement);
            if (result != raw.SQLITE_ROW)
            {
                SqliteException.ThrowExceptionForRC(result, _db);

                // Every seq in the index is a stored vote row (or a pending one): a missing row is a broken invariant,
                // and answering "no standing vote" would count a second vote.
                throw new InvalidOperationException($"The dedup index names vote {seq}, which is not stored.");
            }

            if (VoterKey.Read(raw.sqlite3_column_blob(statement, 0)) != voterKey)
            {
                vote = default;
                return false;
            }

            var optionId = raw.sqlite3_column_text(statement, 1).utf8_to_string();
            var receipt = Sha256Hash.Read(raw.sqlite3_column_blob(statement, 2));
            vote = new StandingVote(optionId, seq, receipt, Chain: 0, raw.sqlite3_column_int64(statement, 3));
            return true;
        }
        finally
        {
            raw.sqlite3_reset(statement);
        }
    }

    private PollVoteIndex For(string pollId)
    {
        if (ReferenceEquals(pollId, _lastPollId))
        {
            return _lastPoll!;
        }

        if (!_polls.TryGetValue(pollId, out var poll))
        {
            poll = new PollVoteIndex();
            _polls[pollId] = poll;
        }

        (_lastPollId, _lastPoll) = (pollId, poll);
        return poll;
    }
}
