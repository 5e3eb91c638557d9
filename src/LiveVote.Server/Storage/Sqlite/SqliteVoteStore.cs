using LiveVote.Server.Audit;
using LiveVote.Server.Polls;
using LiveVote.Server.Votes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Storage.Sqlite;

/// <summary>
/// The embedded default store: one SQLite file in WAL mode with <c>synchronous=FULL</c>, so a commit is on disk (fsync
/// of the WAL) before it returns. One process owns the file (an exclusive lock file), and in it one writer: that is
/// what makes the in-memory dedup index exact.
/// </summary>
public sealed partial class SqliteVoteStore : IVoteStore, IBatchLookups, IAuditLogStore
{
    private readonly string _path;
    private readonly int _cacheSizeMiB;
    private readonly long _snapshotMinVotes;
    private readonly string _readConnectionString;
    private readonly SqliteVoteIndex _index = new();
    private readonly BatchDecider _decider = new();

    // Each poll's status as committed here: a vote is refused unless its poll is open in the store, whatever the poll
    // was when the vote was queued. Changed only after a commit succeeded.
    private readonly Dictionary<string, PollStatus> _pollStatus = new(StringComparer.Ordinal);
    private readonly ILogger _logger;

    // Whether the index may be written to a snapshot at the stop: the writer is inside a commit (Committing), no commit
    // can start any more (Closing), or neither. A commit that threw leaves the index trusted for this run (the failed
    // batch was taken out) but not for a snapshot: an error from the final fsync may hide a commit that did happen.
    private const int Idle = 0, Committing = 1, Closing = 2;
    private int _writerState;
    private bool _commitFailed;
    private bool _indexLoaded;
    private FileStream? _lock;
    private SqliteConnection? _connection;
    private readonly Utf8Names _names = new();
    private SqliteStatement? _insertVote;
    private SqliteStatement? _insertAudit;
    private SqliteStatement? _insertNode;
    private SqliteCommand? _addTally;
    private SqliteCommand? _upsertPoll;
    private SqliteCommand? _bumpIndexGeneration;

    private readonly SqliteWriteTurn _writeTurn;

    /// <param name="options">The file and its cache.</param>
    /// <param name="logger">Why a vote index snapshot was not used, and the index load.</param>
    /// <param name="writeTurn">The process's turn at the file's write lock, shared with the side tables; its own when none is given.</param>
    public SqliteVoteStore(IOptions<SqliteOptions> options, ILogger<SqliteVoteStore>? logger = null, SqliteWriteTurn? writeTurn = null)
    {
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _writeTurn = writeTurn ?? new SqliteWriteTurn();
        _path = System.IO.Path.GetFullPath(options.Value.Path ?? throw new InvalidOperationException("LiveVote:Sqlite:Path is not set."));
        _cacheSizeMiB = options.Value.CacheSizeMiB;
        _snapshotMinVotes = options.Value.IndexSnapshotMinVotes;
        _readConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = _path,
            Mode = SqliteOpenMode.ReadOnly,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
        }.ToString();
    }

    public string Path => _path;

    /// <summary>Stored votes in the writer's dedup index and the bytes it holds for them (bench/growth.sh plots both).</summary>
    public (long Votes, long Bytes) IndexSize => (_index.Count, _index.Bytes);

    public async Task<StoreState> OpenAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(_path)!);
        _lock = AcquireLock(_path + ".lock");
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = _path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        await _connection.OpenAsync(cancellationToken);
        Execute($"""
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = FULL;
            PRAGMA foreign_keys = OFF;
            PRAGMA temp_store = MEMORY;
            PRAGMA cache_size = -{_cacheSizeMiB * 1024};
            PRAGMA busy_timeout = 5000;
            PRAGMA secure_delete = ON;
            """);
        Migrate();
        PrepareCommands();
        return await LoadAsync(cancellationToken);
    }

    /// <summary>
    /// Commits the batch in the process's write turn (<see cref="SqliteWriteTurn"/>): at once when no side table is
    /// writing, else as soon as it is done.
    /// </summary>
    public ValueTask CommitAsync(WriteBatch batch, AuditChain chain)
    {
        var connection = _connection ?? throw new InvalidOperationException("The store is not open.");
        return _writeTurn.TryEnter() ? CommitInTurn(connection, batch, chain) : CommitAfterTurnAsync(connection, batch, chain);
    }

    private async ValueTask CommitAfterTurnAsync(SqliteConnection connection, WriteBatch batch, AuditChain chain)
    {
        // Never cancelled: a commit in flight is never abandoned (its outcome is settled by the client's retry).
        await _writeTurn.EnterAsync(CancellationToken.None).ConfigureAwait(false);
        await CommitInTurn(connection, batch, chain).ConfigureAwait(false);
    }

    /// <summary>Commits holding the turn, and hands it on once the batch (and any WAL truncation it needs) is done.</summary>
    private ValueTask CommitInTurn(SqliteConnection connection, WriteBatch batch, AuditChain chain)
    {
        bool shredded;
        try
        {
            shredded = CommitTransaction(connection, batch, chain);
        }
        catch
        {
            _writeTurn.Exit();
            throw;
        }

        if (!shredded)
        {
            _writeTurn.Exit();
            return ValueTask.CompletedTask;
        }

        return TruncateThenExitAsync(connection);
    }

    private async ValueTask TruncateThenExitAsync(SqliteConnection connection)
    {
        try
        {
            await TruncateWalAsync(connection).ConfigureAwait(false);
        }
        finally
        {
            _writeTurn.Exit();
        }
    }

    /// <summary>The batch in one transaction; true when it destroyed a poll's voter-key secret (the WAL must be emptied).</summary>
    private bool CommitTransaction(SqliteConnection connection, WriteBatch batch, AuditChain chain)
    {
        if (Interlocked.CompareExchange(ref _writerState, Committing, Idle) != Idle)
        {
            throw new InvalidOperationException("The store is closing.");
        }

        try
        {
            return Commit(connection, batch, chain);
        }
        finally
        {
            // Back to Idle only from Committing: a stop that began meanwhile (Closing) stays closed to new commits.
            Interlocked.CompareExchange(ref _writerState, Idle, Committing);
        }
    }

    private bool Commit(SqliteConnection connection, WriteBatch batch, AuditChain chain)
    {
        chain.Mark();
        _index.BatchStarting();
        try
        {
            using (var transaction = connection.BeginTransaction())
            {
                _addTally!.Transaction = transaction;
                _upsertPoll!.Transaction = transaction;
                _bumpIndexGeneration!.Transaction = transaction;
                _decider.Decide(batch, chain, this);
                WriteRows(batch, chain);
                transaction.Commit();
            }
        }
        catch
        {
            _commitFailed = true;
            AbandonRunningSnapshot();
            _index.BatchFailed();
            chain.Rewind();
            throw;
        }

        var shredded = false;
        foreach (var entry in batch.AuditOnlyEntries)
        {
            if (entry.Poll is { } poll)
            {
                _pollStatus[poll.Id] = poll.Status;
                shredded |= entry.Kind == AuditKinds.VoterKeysDestroyed;
            }
        }

        // Between batches, on the writer: the running snapshot of the index takes its next tables, or starts (a voter-key
        // destruction bumped the index generation: one in flight is abandoned).
        AdvanceRunningSnapshot(chain, generationBumped: shredded);

        // A destroyed voter-key secret must leave the files too: secure_delete zeroed the row's old bytes in its page,
        // and emptying the WAL removes the older copies of that page its frames still hold (they stay until overwritten).
        return shredded;
    }

    public async Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(string pollId, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(_readConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {AuditRows.Columns} FROM audit WHERE poll_id = $poll AND seq > $after ORDER BY seq LIMIT $limit";
        command.Parameters.AddWithValue("$poll", pollId);
        command.Parameters.AddWithValue("$after", afterSeq);
        command.Parameters.AddWithValue("$limit", limit);
        return await AuditRows.ReadAllAsync(command, limit, static (_, entry) => entry, cancellationToken);
    }

    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new SqliteConnection(_readConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM sqlite_master";
            return await command.ExecuteScalarAsync(cancellationToken) is long;
        }
        catch (SqliteException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // No commit can start from here on; if one is running (the host's stop timed out), no snapshot is written.
        var writerStopped = Interlocked.Exchange(ref _writerState, Closing) == Idle;
        await StopRunningSnapshotAsync(writerStopped);
        if (writerStopped && _connection is { State: System.Data.ConnectionState.Open })
        {
            WriteIndexSnapshot();
        }

        _insertVote?.Dispose();
        _insertAudit?.Dispose();
        _insertNode?.Dispose();
        _index.Dispose();
        await DisposeHeadWriterAsync();
        foreach (var command in new[] { _addTally, _upsertPoll, _bumpIndexGeneration })
        {
            command?.Dispose();
        }

        if (_connection is { State: System.Data.ConnectionState.Open })
        {
            // A clean stop leaves one self-contained file: every committed page moved from the WAL into the database
            // and the WAL emptied, and no pooled read connection left holding it open.
            SqliteConnection.ClearPool(new SqliteConnection(_readConnectionString));
            await TruncateWalAsync(_connection);
            await _connection.DisposeAsync();
            _connection = null;

            // Closing the last connection normally deletes the WAL. A read that began after the pool was cleared (a late
            // request) leaves a pooled reader open, so the close above was not the last: clear the pool again and close
            // a fresh connection last, which checkpoints and deletes the WAL, so the file alone carries every vote.
            var wal = new FileInfo(_path + "-wal");
            if (wal.Exists)
            {
                SqliteConnection.ClearPool(new SqliteConnection(_readConnectionString));
                await using var last = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _path, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
                await last.OpenAsync();
                await using (var wait = last.CreateCommand())
                {
                    wait.CommandText = "PRAGMA busy_timeout = 5000;";
                    await wait.ExecuteNonQueryAsync();
                }

                await TruncateWalAsync(last);
            }
        }

        if (_lock is not null)
        {
            await _lock.DisposeAsync();
            _lock = null;
        }
    }

    bool IBatchLookups.IsOpen(string pollId) => _pollStatus.TryGetValue(pollId, out var status) && status == PollStatus.Open;

    bool IBatchLookups.TryGetStanding(string pollId, in VoterKey voterKey, out StandingVote vote) => _index.TryGet(pollId, voterKey, out vote);

    void IBatchLookups.AddStanding(string pollId, in VoterKey voterKey, in StandingVote vote) => _index.Add(pollId, voterKey, vote);

    /// <summary>Writes what the decider decided: accepted votes, every new audit entry, the changed polls, the tallies.</summary>
    private void WriteRows(WriteBatch batch, AuditChain chain)
    {
        Span<byte> key = stackalloc byte[VoterKey.Size];
        var votes = batch.Votes;
        var results = batch.Results;
        foreach (var i in _decider.Accepted)
        {
            votes[i].VoterKey.Write(key);
            _insertVote!.Bind(1, results[i].Seq);
            _insertVote.BindText(2, _names.Of(votes[i].Poll.Id));
            _insertVote.BindBlob(3, key);
            _insertVote.BindText(4, _names.Of(votes[i].OptionId));
            _insertVote.Execute();
        }

        foreach (var entry in chain.Appended)
        {
            if (entry.Kind == AuditKinds.Vote)
            {
                // The hot path: a vote's texts are a poll id and an option id, encoded once and cached.
                entry.VoterKey!.Value.Write(key);
                InsertAudit(entry, _names.Of(entry.Kind), _names.Of(entry.PollId!), key, _names.Of(entry.OptionId!), data: default);
            }
            else
            {
                InsertAudit(entry);
            }
        }

        // Every 256th leaf of a log completes a stored node (and every 65536th two): rare, and in the same transaction.
        Span<byte> nodeHash = stackalloc byte[Sha256Hash.Size];
        foreach (var (pollId, node) in chain.CompletedNodes)
        {
            node.Hash.Write(nodeHash);
            _insertNode!.BindText(1, _names.Of(pollId));
            _insertNode.Bind(2, node.Level);
            _insertNode.Bind(3, node.Index);
            _insertNode.BindBlob(4, nodeHash);
            _insertNode.Execute();
        }

        foreach (var entry in batch.AuditOnlyEntries)
        {
            if (entry.Poll is { } poll)
            {
                UpsertPoll(poll);
            }

            if (entry.Kind == AuditKinds.VoterKeysDestroyed)
            {
                // Crypto-shredding leaves the votes' rows as they are, but it is the one change made to what voters
                // can be traced to: no snapshot written before it is loaded after it (conservative; the next clean
                // stop writes a fresh one).
                _bumpIndexGeneration!.ExecuteNonQuery();
            }
        }

        foreach (var ((pollId, optionId), delta) in _decider.TallyDeltas)
        {
            _addTally!.Parameters[0].Value = pollId;
            _addTally.Parameters[1].Value = optionId;
            _addTally.Parameters[2].Value = delta;
            _addTally.ExecuteNonQuery();
        }
    }

    private void UpsertPoll(Poll poll)
    {
        var p = _upsertPoll!.Parameters;
        p[0].Value = poll.Id;
        p[1].Value = poll.Title;
        p[2].Value = StorageJsonContext.OptionsJson(poll);
        p[3].Value = Poll.StatusName(poll.Status);
        p[4].Value = poll.CreatedAt.ToUnixTimeMilliseconds();
        p[5].Value = (object?)poll.OpenedAt?.ToUnixTimeMilliseconds() ?? DBNull.Value;
        p[6].Value = (object?)poll.ClosedAt?.ToUnixTimeMilliseconds() ?? DBNull.Value;
        p[7].Value = poll.PartitionCount;
        p[8].Value = poll.ShowResultsToViewers;
        p[9].Value = (object?)FrozenResultsJson.Write(poll) ?? DBNull.Value;
        p[10].Value = (object?)poll.Frozen?.At.ToUnixTimeMilliseconds() ?? DBNull.Value;
        p[11].Value = poll.ResultsRevision;
        p[12].Value = (object?)poll.VoterSecret?.ToArray() ?? DBNull.Value;
        p[13].Value = (object?)poll.VoterKeysDestroyedAt?.ToUnixTimeMilliseconds() ?? DBNull.Value;
        p[14].Value = poll.Code;
        p[15].Value = poll.ResultsHidden;
        p[16].Value = (object?)poll.ArchivedAt?.ToUnixTimeMilliseconds() ?? DBNull.Value;
        p[17].Value = (object?)poll.DeletedAt?.ToUnixTimeMilliseconds() ?? DBNull.Value;
        _upsertPoll.ExecuteNonQuery();
    }

    /// <summary>A poll change or a note: rare, so its texts are encoded here rather than cached (a note's poll id may be any text).</summary>
    private void InsertAudit(in AuditEntry entry)
    {
        Span<byte> key = stackalloc byte[VoterKey.Size];
        entry.VoterKey?.Write(key);
        InsertAudit(entry, Utf8(entry.Kind), Utf8(entry.PollId), entry.VoterKey is null ? default : key, Utf8(entry.OptionId), Utf8(entry.Data));

        static ReadOnlySpan<byte> Utf8(string? text) => text is null ? default : System.Text.Encoding.UTF8.GetBytes(text);
    }

    /// <summary>Appends one audit row; a field the entry lacks (null) is bound as NULL, its bytes otherwise.</summary>
    private void InsertAudit(in AuditEntry entry, ReadOnlySpan<byte> kind, ReadOnlySpan<byte> pollId, ReadOnlySpan<byte> voterKey,
        ReadOnlySpan<byte> optionId, ReadOnlySpan<byte> data)
    {
        Span<byte> prevHash = stackalloc byte[Sha256Hash.Size];
        Span<byte> hash = stackalloc byte[Sha256Hash.Size];
        entry.PrevHash.Write(prevHash);
        entry.Hash.Write(hash);
        var insert = _insertAudit!;
        insert.Bind(1, entry.Seq);
        insert.BindText(2, kind);
        BindOrNull(insert, 3, entry.PollId is null, pollId, text: true);
        BindOrNull(insert, 4, entry.VoterKey is null, voterKey, text: false);
        BindOrNull(insert, 5, entry.OptionId is null, optionId, text: true);
        insert.Bind(6, entry.AtUnixMs);
        BindOrNull(insert, 7, entry.Data is null, data, text: true);
        insert.BindBlob(8, prevHash);
        insert.BindBlob(9, hash);
        if (entry.Leaf < 0)
        {
            insert.BindNull(10);
        }
        else
        {
            insert.Bind(10, entry.Leaf);
        }

        insert.Execute();
    }

    private static void BindOrNull(SqliteStatement statement, int index, bool isNull, ReadOnlySpan<byte> value, bool text)
    {
        if (isNull)
        {
            statement.BindNull(index);
        }
        else if (text)
        {
            statement.BindText(index, value);
        }
        else
        {
            statement.BindBlob(index, value);
        }
    }

    private void Migrate()
    {
        var version = (long)Scalar("PRAGMA user_version")!;
        for (var v = (int)version; v < SqliteSchema.CurrentVersion; v++)
        {
            using var transaction = _connection!.BeginTransaction();
            using (var command = _connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = SqliteSchema.Migrations[v] + $"\nPRAGMA user_version = {v + 1};";
                command.ExecuteNonQuery();
            }

            transaction.Commit();
        }
    }

    private async Task<StoreState> LoadAsync(CancellationToken cancellationToken)
    {
        var (polls, tallies) = await PollRows.LoadAsync(_connection!, "SELECT poll_id, option_id, count FROM tallies", cancellationToken);
        foreach (var poll in polls)
        {
            _pollStatus[poll.Id] = poll.Status;
        }

        // The exact dedup index: from the snapshot a clean stop left if it checks out, plus the votes stored after it;
        // else rebuilt from the durable rows, each poll's part sized from its stored total up front.
        var expected = tallies.ToDictionary(t => t.Key, t => t.Value.Sum(), StringComparer.Ordinal);
        var voteCount = LoadIndex(expected);
        _indexLoaded = true;

        long lastSeq = 0;
        var lastHash = Sha256Hash.Zero;
        using (var command = _connection!.CreateCommand())
        {
            command.CommandText = "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1";
            using var reader = command.ExecuteReader();
            if (reader.Read())
            {
                lastSeq = reader.GetInt64(0);
                lastHash = Sha256Hash.Read((byte[])reader.GetValue(1));
            }
        }

        return new StoreState(polls, tallies, lastSeq, lastHash, voteCount, await LoadLogsAsync(cancellationToken));
    }

    private void PrepareCommands()
    {
        _insertVote = new SqliteStatement(_connection!, "INSERT INTO votes (seq, poll_id, voter_key, option_id) VALUES (?1, ?2, ?3, ?4)");
        _insertAudit = new SqliteStatement(_connection!,
            "INSERT INTO audit (seq, kind, poll_id, voter_key, option_id, at, data, prev_hash, hash, leaf) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
        _insertNode = new SqliteStatement(_connection!, "INSERT INTO merkle_nodes (poll_id, chain, level, idx, hash) VALUES (?1, 0, ?2, ?3, ?4)");
        _bumpIndexGeneration = Prepare("UPDATE vote_index_generation SET generation = generation + 1 WHERE id = 1", 0);
        _addTally = Prepare(
            "INSERT INTO tallies (poll_id, option_id, count) VALUES ($1, $2, $3) ON CONFLICT (poll_id, option_id) DO UPDATE SET count = count + excluded.count", 3);
        _upsertPoll = Prepare(
            """
            INSERT INTO polls (id, title, options, status, created_at, opened_at, closed_at, partition_count,
                show_results_to_viewers, frozen_totals, frozen_at, results_revision, voter_secret, voter_keys_destroyed_at,
                code, results_hidden, archived_at, deleted_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
            ON CONFLICT (id) DO UPDATE SET status = excluded.status, opened_at = excluded.opened_at, closed_at = excluded.closed_at,
                show_results_to_viewers = excluded.show_results_to_viewers, frozen_totals = excluded.frozen_totals,
                frozen_at = excluded.frozen_at, results_revision = excluded.results_revision,
                voter_secret = excluded.voter_secret, voter_keys_destroyed_at = excluded.voter_keys_destroyed_at,
                title = excluded.title, options = excluded.options, code = excluded.code, results_hidden = excluded.results_hidden,
                archived_at = excluded.archived_at, deleted_at = excluded.deleted_at
            """, 18);
    }

    private SqliteCommand Prepare(string sql, int parameters)
    {
        var command = _connection!.CreateCommand();
        command.CommandText = sql;
        for (var i = 1; i <= parameters; i++)
        {
            command.Parameters.Add(new SqliteParameter("$" + i, null));
        }

        return command;
    }

    /// <summary>
    /// Moves every committed page from the WAL into the database and empties the WAL. A reader still inside a query
    /// makes SQLite report "busy" (it then copies what it can and leaves the WAL as it is), so a few short retries
    /// let in-flight reads end; if they never do, the WAL stays beside the file and SQLite replays it at the next open.
    /// </summary>
    private static async Task TruncateWalAsync(SqliteConnection connection)
    {
        // Reads take milliseconds; ten tries 50 ms apart outlast any read at stop without holding the stop up for long.
        const int Attempts = 10;
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            try
            {
                await using var checkpoint = connection.CreateCommand();
                checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
                await using var result = await checkpoint.ExecuteReaderAsync();
                if (await result.ReadAsync() && result.GetInt64(0) == 0)
                {
                    return;
                }
            }
            catch (SqliteException)
            {
                // Busy or locked by another connection of this process: try again below.
            }

            await Task.Delay(50);
        }
    }

    private void Execute(string sql)
    {
        using var command = _connection!.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private object? Scalar(string sql)
    {
        using var command = _connection!.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static FileStream AcquireLock(string path)
    {
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new InvalidOperationException(
                $"Another LiveVote process holds {path}: one process owns a SQLite database (its writer's dedup index must be exact).", e);
        }
    }
}
