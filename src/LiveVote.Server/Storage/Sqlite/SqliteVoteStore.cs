using LiveVote.Server.Audit;
using LiveVote.Server.Polls;
using LiveVote.Server.Votes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Storage.Sqlite;

/// <summary>
/// The embedded default store: one SQLite file in WAL mode with <c>synchronous=FULL</c>, so a commit is on disk (fsync
/// of the WAL) before it returns. One process owns the file (an exclusive lock file), and in it one writer: that is
/// what makes the in-memory dedup index exact.
/// </summary>
public sealed class SqliteVoteStore : IVoteStore
{
    private readonly string _path;
    private readonly int _cacheSizeMiB;
    private readonly string _readConnectionString;
    private readonly VoteIndex _index = new();
    private readonly List<(Dictionary<VoterKey, IndexedVote> Poll, VoterKey Key)> _addedThisBatch = [];
    private readonly Dictionary<(string PollId, string OptionId), long> _tallyDeltas = [];

    // What the store holds of each poll's status (and this batch's changes to it, undone if it fails): a vote is
    // refused unless its poll is open here, whatever the poll was when the vote was queued.
    private readonly Dictionary<string, PollStatus> _pollStatus = new(StringComparer.Ordinal);
    private readonly List<(string PollId, PollStatus? Before)> _statusChangedThisBatch = [];
    private FileStream? _lock;
    private SqliteConnection? _connection;
    private readonly Utf8Names _names = new();
    private SqliteStatement? _insertVote;
    private SqliteStatement? _insertAudit;
    private SqliteCommand? _addTally;
    private SqliteCommand? _upsertPoll;

    public SqliteVoteStore(IOptions<SqliteOptions> options)
    {
        _path = System.IO.Path.GetFullPath(options.Value.Path);
        _cacheSizeMiB = options.Value.CacheSizeMiB;
        _readConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = _path,
            Mode = SqliteOpenMode.ReadOnly,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
        }.ToString();
    }

    public string Path => _path;

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
            """);
        Migrate();
        PrepareCommands();
        return Load();
    }

    public ValueTask CommitAsync(WriteBatch batch, AuditChain chain)
    {
        var connection = _connection ?? throw new InvalidOperationException("The store is not open.");
        chain.Mark();
        _addedThisBatch.Clear();
        _tallyDeltas.Clear();
        _statusChangedThisBatch.Clear();
        try
        {
            using (var transaction = connection.BeginTransaction())
            {
                _addTally!.Transaction = transaction;
                _upsertPoll!.Transaction = transaction;
                Apply(batch, chain);
                transaction.Commit();
            }

            return ValueTask.CompletedTask;
        }
        catch (Exception) when (CommittedAnyway(chain))
        {
            // The COMMIT reached the disk but reported an error afterwards: the durable head says what is true.
            return ValueTask.CompletedTask;
        }
        catch
        {
            foreach (var (poll, key) in _addedThisBatch)
            {
                poll.Remove(key);
            }

            for (var i = _statusChangedThisBatch.Count - 1; i >= 0; i--)
            {
                var (pollId, before) = _statusChangedThisBatch[i];
                if (before is { } status)
                {
                    _pollStatus[pollId] = status;
                }
                else
                {
                    _pollStatus.Remove(pollId);
                }
            }

            chain.Rewind();
            throw;
        }
    }

    public async Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(string pollId, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(_readConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT seq, kind, poll_id, voter_key, option_id, at, data, prev_hash, hash
            FROM audit WHERE poll_id = $poll AND seq > $after ORDER BY seq LIMIT $limit
            """;
        command.Parameters.AddWithValue("$poll", pollId);
        command.Parameters.AddWithValue("$after", afterSeq);
        command.Parameters.AddWithValue("$limit", limit);
        var entries = new List<AuditEntry>(Math.Min(limit, 1024));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new AuditEntry(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : VoterKey.Read((byte[])reader.GetValue(3)),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.GetInt64(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                Sha256Hash.Read((byte[])reader.GetValue(7)),
                Sha256Hash.Read((byte[])reader.GetValue(8))));
        }

        return entries;
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
        _insertVote?.Dispose();
        _insertAudit?.Dispose();
        foreach (var command in new[] { _addTally, _upsertPoll })
        {
            command?.Dispose();
        }

        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        if (_lock is not null)
        {
            await _lock.DisposeAsync();
        }
    }

    private void Apply(WriteBatch batch, AuditChain chain)
    {
        var votes = batch.Votes;
        var results = batch.Results;
        var auditOnly = batch.AuditOnlyEntries;
        var next = 0;
        for (var i = 0; i <= votes.Length; i++)
        {
            while (next < auditOnly.Count && auditOnly[next].Position == i)
            {
                var entry = auditOnly[next++];
                if (entry.Poll is { } poll)
                {
                    WritePollChange(poll, entry.Kind, batch.AtUnixMs, chain);
                }
                else
                {
                    WriteNote(entry.Note!, batch.AtUnixMs, chain);
                }
            }

            if (i < votes.Length)
            {
                results[i] = WriteVote(votes[i], batch.AtUnixMs, chain);
            }
        }

        foreach (var ((pollId, optionId), delta) in _tallyDeltas)
        {
            _addTally!.Parameters[0].Value = pollId;
            _addTally.Parameters[1].Value = optionId;
            _addTally.Parameters[2].Value = delta;
            _addTally.ExecuteNonQuery();
        }
    }

    private StoredVote WriteVote(in BatchVote vote, long atUnixMs, AuditChain chain)
    {
        if (!_pollStatus.TryGetValue(vote.Poll.Id, out var status) || status != PollStatus.Open)
        {
            return new StoredVote(VoteDecision.PollNotOpen, 0, default);
        }

        var poll = _index.For(vote.Poll.Id);
        var optionId = vote.OptionId;
        if (poll.TryGetValue(vote.VoterKey, out var standing))
        {
            var decision = ReferenceEquals(standing.OptionId, optionId) || standing.OptionId == optionId
                ? VoteDecision.Duplicate
                : VoteDecision.AlreadyVoted;
            return new StoredVote(decision, standing.Seq, standing.Receipt);
        }

        var entry = chain.Append(AuditKinds.Vote, vote.Poll.Id, vote.VoterKey, optionId, atUnixMs, data: null);
        Span<byte> key = stackalloc byte[VoterKey.Size];
        vote.VoterKey.Write(key);
        var pollId = _names.Of(vote.Poll.Id);
        var option = _names.Of(optionId);
        _insertVote!.Bind(1, entry.Seq);
        _insertVote.BindText(2, pollId);
        _insertVote.BindBlob(3, key);
        _insertVote.BindText(4, option);
        _insertVote.Execute();
        InsertAudit(entry, _names.Of(entry.Kind), pollId, key, option, data: default);

        poll.Add(vote.VoterKey, new IndexedVote(optionId, entry.Seq, entry.Hash));
        _addedThisBatch.Add((poll, vote.VoterKey));
        var tallyKey = (vote.Poll.Id, optionId);
        _tallyDeltas[tallyKey] = _tallyDeltas.GetValueOrDefault(tallyKey) + 1;
        return new StoredVote(VoteDecision.Accepted, entry.Seq, entry.Hash);
    }

    private void WritePollChange(Poll poll, string kind, long atUnixMs, AuditChain chain)
    {
        var entry = chain.Append(kind, poll.Id, null, null, atUnixMs, PollRows.AuditData(poll, kind));
        InsertAudit(entry);
        _statusChangedThisBatch.Add((poll.Id, _pollStatus.TryGetValue(poll.Id, out var before) ? before : null));
        _pollStatus[poll.Id] = poll.Status;
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
        _upsertPoll.ExecuteNonQuery();
    }

    /// <summary>An audit-only entry (risk decision, admin lockout): it extends the chain and changes nothing else.</summary>
    private void WriteNote(AuditNote note, long atUnixMs, AuditChain chain)
    {
        var entry = chain.Append(note.Kind, note.PollId, note.VoterKey, null, atUnixMs, note.Data);
        InsertAudit(entry);
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

    private bool CommittedAnyway(AuditChain chain)
    {
        if (chain.LastSeq == chain.MarkedSeq)
        {
            return false;
        }

        try
        {
            using var command = _connection!.CreateCommand();
            command.Transaction = null;
            command.CommandText = "SELECT coalesce(max(seq), 0) FROM audit";
            return (long)command.ExecuteScalar()! == chain.LastSeq;
        }
        catch (SqliteException)
        {
            return false;
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

    private StoreState Load()
    {
        var polls = new List<Poll>();
        using (var command = _connection!.CreateCommand())
        {
            command.CommandText = $"SELECT {PollRows.Columns} FROM polls ORDER BY created_at, id";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                polls.Add(PollRows.Read(reader));
            }
        }

        var byId = polls.ToDictionary(p => p.Id, StringComparer.Ordinal);
        foreach (var poll in polls)
        {
            _pollStatus[poll.Id] = poll.Status;
        }

        var tallies = polls.ToDictionary(p => p.Id, p => new long[p.Options.Length], StringComparer.Ordinal);
        using (var command = _connection.CreateCommand())
        {
            command.CommandText = "SELECT poll_id, option_id, count FROM tallies";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                if (byId.TryGetValue(reader.GetString(0), out var poll) && poll.IndexOfOption(reader.GetString(1)) is >= 0 and var i)
                {
                    tallies[poll.Id][i] = reader.GetInt64(2);
                }
            }
        }

        long voteCount = 0;
        using (var command = _connection.CreateCommand())
        {
            // Rebuild the exact dedup index from the durable rows (ordered by rowid: a sequential scan).
            command.CommandText = "SELECT v.poll_id, v.voter_key, v.option_id, v.seq, a.hash FROM votes v JOIN audit a ON a.seq = v.seq";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var pollId = reader.GetString(0);
                byId.TryGetValue(pollId, out var poll);
                var key = VoterKey.Read((byte[])reader.GetValue(1));
                var optionId = reader.GetString(2);
                var index = poll?.IndexOfOption(optionId) ?? -1;
                var internedOption = index >= 0 ? poll!.Options[index].Id : optionId;
                _index.For(poll?.Id ?? pollId).Add(key, new IndexedVote(internedOption, reader.GetInt64(3), Sha256Hash.Read((byte[])reader.GetValue(4))));
                voteCount++;
            }
        }

        long lastSeq = 0;
        var lastHash = Sha256Hash.Zero;
        using (var command = _connection.CreateCommand())
        {
            command.CommandText = "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1";
            using var reader = command.ExecuteReader();
            if (reader.Read())
            {
                lastSeq = reader.GetInt64(0);
                lastHash = Sha256Hash.Read((byte[])reader.GetValue(1));
            }
        }

        return new StoreState(polls, tallies, lastSeq, lastHash, voteCount);
    }

    private void PrepareCommands()
    {
        _insertVote = new SqliteStatement(_connection!, "INSERT INTO votes (seq, poll_id, voter_key, option_id) VALUES (?1, ?2, ?3, ?4)");
        _insertAudit = new SqliteStatement(_connection!,
            "INSERT INTO audit (seq, kind, poll_id, voter_key, option_id, at, data, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
        _addTally = Prepare(
            "INSERT INTO tallies (poll_id, option_id, count) VALUES ($1, $2, $3) ON CONFLICT (poll_id, option_id) DO UPDATE SET count = count + excluded.count", 3);
        _upsertPoll = Prepare(
            """
            INSERT INTO polls (id, title, options, status, created_at, opened_at, closed_at, partition_count,
                show_results_to_viewers, frozen_totals, frozen_at, results_revision)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
            ON CONFLICT (id) DO UPDATE SET status = excluded.status, opened_at = excluded.opened_at, closed_at = excluded.closed_at,
                show_results_to_viewers = excluded.show_results_to_viewers, frozen_totals = excluded.frozen_totals,
                frozen_at = excluded.frozen_at, results_revision = excluded.results_revision
            """, 12);
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

    /// <summary>The standing vote of each voter, per poll. Written by the single writer only.</summary>
    private sealed class VoteIndex
    {
        private readonly Dictionary<string, Dictionary<VoterKey, IndexedVote>> _polls = new(StringComparer.Ordinal);

        public Dictionary<VoterKey, IndexedVote> For(string pollId)
        {
            if (!_polls.TryGetValue(pollId, out var poll))
            {
                poll = [];
                _polls[pollId] = poll;
            }

            return poll;
        }
    }

    private readonly record struct IndexedVote(string OptionId, long Seq, Sha256Hash Receipt);
}
