using System.Data;
using System.Text;
using LiveVote.Server.Audit;
using LiveVote.Server.Polls;
using LiveVote.Server.Votes;
using Npgsql;

namespace LiveVote.Server.Storage.Postgres;

/// <summary>
/// The production store: PostgreSQL shared by many stateless API nodes. Each node's single writer group-commits its
/// batches in one transaction of four statements (lock the polls, find standing votes, insert-if-absent the new ones
/// with <c>unnest</c> arrays, append audit entries and add to its own tally rows). Duplicates across nodes are settled by
/// the primary key (poll_id, voter_key); the pre-read only spares the common case a conflict.
/// A commit in flight is never cancelled (no command timeout): with synchronous replication a cancelled wait for the
/// standby could leave a commit visible on the primary yet lost on promotion.
/// </summary>
public sealed partial class PostgresVoteStore(NpgsqlDataSource dataSource, TimeProvider time, ILogger<PostgresVoteStore> logger)
    : ISharedVoteStore, IBatchLookups
{
    private readonly BatchDecider _decider = new();

    // What this batch's transaction found: the polls it locked open and the standing votes of its voters.
    private readonly HashSet<string> _openPolls = new(StringComparer.Ordinal);
    private readonly Dictionary<(string PollId, VoterKey Key), StandingVote> _standing = [];
    private NpgsqlConnection? _connection;
    private bool _needsNewChain = true;

    public async Task<StoreState> OpenAsync(CancellationToken cancellationToken)
    {
        await MigrateAsync(cancellationToken);
        var shared = await ReadSharedStateAsync(cancellationToken);
        return new StoreState(shared.Polls, shared.Tallies, 0, Sha256Hash.Zero, shared.Tallies.Values.Sum(t => t.Sum()));
    }

    public async ValueTask CommitAsync(WriteBatch batch, AuditChain chain)
    {
        // Up to three tries: a try is only repeated when another node inserted one of this batch's voters between the
        // pre-read and the insert, which the unique key caught.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                _connection ??= await dataSource.OpenConnectionAsync();
                if (_needsNewChain)
                {
                    chain.Restart(await RegisterWriterAsync(_connection));
                    _needsNewChain = false;
                }

                chain.Mark();
                if (await TryCommitAsync(_connection, batch, chain))
                {
                    return;
                }

                chain.Rewind();
                if (attempt == 3)
                {
                    throw new InvalidOperationException("Concurrent inserts of the same voters kept conflicting.");
                }
            }
            catch (PollChangeRefusedException)
            {
                chain.Rewind();
                throw;
            }
            catch
            {
                // The outcome of the failed transaction may be unknown (the connection died during COMMIT): this chain
                // ends at whatever the database holds, and the next batch starts a new chain under a new writer id.
                chain.Rewind();
                _needsNewChain = true;
                if (_connection is not null)
                {
                    await _connection.DisposeAsync();
                    _connection = null;
                }

                throw;
            }
        }
    }

    public async Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(string pollId, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {AuditRows.Columns}, writer_id, pos FROM audit WHERE poll_id = $1 AND pos > $2 ORDER BY pos LIMIT $3");
        command.Bind(pollId).Bind(afterSeq).Bind(limit);
        return await AuditRows.ReadAllAsync(
            command, limit, static (row, entry) => entry with { Chain = row.GetInt32(9), Position = row.GetInt64(10) }, cancellationToken);
    }

    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var command = dataSource.CreateCommand("SELECT pg_is_in_recovery()");
            return await command.ExecuteScalarAsync(cancellationToken) is false;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Polls and tallies summed over every writer: what every node serves results from.</summary>
    public async Task<SharedState> ReadSharedStateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var (polls, tallies) = await PollRows.LoadAsync(
            connection, "SELECT poll_id, option_id, sum(count)::bigint FROM tallies GROUP BY poll_id, option_id", cancellationToken);
        return new SharedState(polls, tallies);
    }

    /// <summary>Closes the writer's connection; the data source belongs to whoever made it (the service container).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
            _connection = null;
        }
    }

    private async Task<bool> TryCommitAsync(NpgsqlConnection connection, WriteBatch batch, AuditChain chain)
    {
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted);
        _openPolls.Clear();
        _standing.Clear();
        if (batch.VoteCount > 0)
        {
            await LockOpenPollsAsync(connection, transaction, batch);
            await ReadStandingAsync(connection, transaction, batch);
        }

        _decider.Decide(batch, chain, this);
        foreach (var entry in batch.AuditOnlyEntries)
        {
            if (entry.Poll is { } poll)
            {
                await ApplyPollChangeAsync(connection, transaction, poll, entry.Kind);
            }
        }

        if (_decider.Accepted.Count > 0 && await InsertVotesAsync(connection, transaction, batch, chain.ChainId) != _decider.Accepted.Count)
        {
            await transaction.RollbackAsync();
            return false;
        }

        await InsertAuditAsync(connection, transaction, chain);
        await AddTalliesAsync(connection, transaction, chain.ChainId);
        await transaction.CommitAsync();
        return true;
    }

    bool IBatchLookups.IsOpen(string pollId) => _openPolls.Contains(pollId);

    bool IBatchLookups.TryGetStanding(string pollId, in VoterKey voterKey, out StandingVote vote) =>
        _standing.TryGetValue((pollId, voterKey), out vote);

    void IBatchLookups.AddStanding(string pollId, in VoterKey voterKey, in StandingVote vote) => _standing[(pollId, voterKey)] = vote;

    private static async Task ApplyPollChangeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Poll poll, string kind)
    {
        if (PostgresPresentationChanges.Handles(kind))
        {
            await PostgresPresentationChanges.ApplyAsync(connection, transaction, poll, kind);
            return;
        }

        var sql = kind switch
        {
            AuditKinds.PollCreated => """
                INSERT INTO polls (id, title, options, status, created_at, partition_count, show_results_to_viewers) VALUES ($1, $2, $3, 'draft', $4, $5, $6)
                ON CONFLICT (id) DO NOTHING
                """,
            AuditKinds.PollOpened => "UPDATE polls SET status = 'open', opened_at = $4 WHERE id = $1 AND status = 'draft' AND $2::text IS NOT NULL AND $3::text IS NOT NULL",
            // Closing releases a freeze: the final result goes out as counted.
            AuditKinds.PollClosed => "UPDATE polls SET status = 'closed', closed_at = $4, frozen_totals = NULL, frozen_at = NULL WHERE id = $1 AND status = 'open' AND $2::text IS NOT NULL AND $3::text IS NOT NULL",
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        var at = kind switch
        {
            AuditKinds.PollCreated => poll.CreatedAt,
            AuditKinds.PollOpened => poll.OpenedAt!.Value,
            _ => poll.ClosedAt!.Value,
        };
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Bind(poll.Id).Bind(poll.Title).Bind(StorageJsonContext.OptionsJson(poll)).Bind(at.ToUnixTimeMilliseconds());
        if (kind == AuditKinds.PollCreated)
        {
            command.Bind(poll.PartitionCount).Bind(poll.ShowResultsToViewers);
        }

        if (await command.ExecuteNonQueryAsync() != 1)
        {
            // Another node got there first (or the change is no longer valid): nothing of this batch is written.
            throw new PollChangeRefusedException(poll.Id);
        }
    }

    /// <summary>
    /// Share-locks the batch's polls that are open: a close (an UPDATE) on another node waits for this commit, so no
    /// vote is committed after its poll's close.
    /// </summary>
    private async Task LockOpenPollsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, WriteBatch batch)
    {
        await using var command = new NpgsqlCommand(
            "SELECT id FROM polls WHERE id = ANY($1) AND status = 'open' ORDER BY id FOR SHARE", connection, transaction);
        command.Bind(PollIds(batch));
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            _openPolls.Add(reader.GetString(0));
        }
    }

    private async Task ReadStandingAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, WriteBatch batch)
    {
        var (pollIds, keys) = Keys(batch);
        await using var command = new NpgsqlCommand("""
            SELECT v.poll_id, v.voter_key, v.option_id, v.writer_id, v.seq, v.receipt
            FROM votes v JOIN unnest($1::text[], $2::bytea[]) AS k (poll_id, voter_key) USING (poll_id, voter_key)
            """, connection, transaction);
        command.Bind(pollIds).Bind(keys);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var key = (reader.GetString(0), VoterKey.Read(reader.GetFieldValue<byte[]>(1)));
            _standing[key] = new StandingVote(reader.GetString(2), reader.GetInt64(4), Sha256Hash.Read(reader.GetFieldValue<byte[]>(5)), reader.GetInt32(3));
        }
    }

    private static (string[] PollIds, byte[][] Keys) Keys(WriteBatch batch)
    {
        var votes = batch.Votes;
        var pollIds = new string[votes.Length];
        var keys = new byte[votes.Length][];
        for (var i = 0; i < votes.Length; i++)
        {
            pollIds[i] = votes[i].Poll.Id;
            keys[i] = votes[i].VoterKey.ToArray();
        }

        return (pollIds, keys);
    }

    private static string[] PollIds(WriteBatch batch)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var vote in batch.Votes)
        {
            ids.Add(vote.Poll.Id);
        }

        return [.. ids];
    }

    private async Task<int> InsertVotesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, WriteBatch batch, int writerId)
    {
        var (pollIds, keys, options, seqs, receipts) = AcceptedRows(batch);
        await using var command = new NpgsqlCommand("""
            INSERT INTO votes (poll_id, voter_key, option_id, writer_id, seq, receipt)
            SELECT p, k, o, $4, s, r FROM unnest($1::text[], $2::bytea[], $3::text[], $5::bigint[], $6::bytea[]) AS t (p, k, o, s, r)
            ON CONFLICT (poll_id, voter_key) DO NOTHING
            """, connection, transaction);
        command.Bind(pollIds).Bind(keys).Bind(options).Bind(writerId).Bind(seqs).Bind(receipts);
        return await command.ExecuteNonQueryAsync();
    }

    private (string[] PollIds, byte[][] Keys, string[] Options, long[] Seqs, byte[][] Receipts) AcceptedRows(WriteBatch batch)
    {
        var accepted = _decider.Accepted;
        var n = accepted.Count;
        var pollIds = new string[n];
        var keys = new byte[n][];
        var options = new string[n];
        var seqs = new long[n];
        var receipts = new byte[n][];
        var votes = batch.Votes;
        var results = batch.Results;
        for (var j = 0; j < n; j++)
        {
            var i = accepted[j];
            pollIds[j] = votes[i].Poll.Id;
            keys[j] = votes[i].VoterKey.ToArray();
            options[j] = votes[i].OptionId;
            seqs[j] = results[i].Seq;
            receipts[j] = results[i].Receipt.ToArray();
        }

        return (pollIds, keys, options, seqs, receipts);
    }

    private static async Task InsertAuditAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, AuditChain chain)
    {
        var entries = chain.Appended;
        if (entries.Count == 0)
        {
            return;
        }

        var n = entries.Count;
        var seqs = new long[n];
        var kinds = new string[n];
        var polls = new string?[n];
        var keys = new byte[]?[n];
        var options = new string?[n];
        var ats = new long[n];
        var data = new string?[n];
        var prev = new byte[n][];
        var hashes = new byte[n][];
        for (var i = 0; i < n; i++)
        {
            var e = entries[i];
            seqs[i] = e.Seq;
            kinds[i] = e.Kind;
            polls[i] = e.PollId;
            keys[i] = e.VoterKey?.ToArray();
            options[i] = e.OptionId;
            ats[i] = e.AtUnixMs;
            data[i] = e.Data;
            prev[i] = e.PrevHash.ToArray();
            hashes[i] = e.Hash.ToArray();
        }

        await using var command = new NpgsqlCommand("""
            INSERT INTO audit (writer_id, seq, kind, poll_id, voter_key, option_id, at, data, prev_hash, hash)
            SELECT $1, s, k, p, v, o, a, d, ph, h
            FROM unnest($2::bigint[], $3::text[], $4::text[], $5::bytea[], $6::text[], $7::bigint[], $8::text[], $9::bytea[], $10::bytea[])
                AS t (s, k, p, v, o, a, d, ph, h)
            ORDER BY s
            """, connection, transaction);
        command.Bind(chain.ChainId).Bind(seqs).Bind(kinds).Bind(polls).Bind(keys).Bind(options).Bind(ats).Bind(data).Bind(prev).Bind(hashes);
        await command.ExecuteNonQueryAsync();
    }

    private async Task AddTalliesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int writerId)
    {
        var tallyDeltas = _decider.TallyDeltas;
        if (tallyDeltas.Count == 0)
        {
            return;
        }

        var polls = tallyDeltas.Keys.Select(k => k.PollId).ToArray();
        var options = tallyDeltas.Keys.Select(k => k.OptionId).ToArray();
        var deltas = tallyDeltas.Values.ToArray();
        await using var command = new NpgsqlCommand("""
            INSERT INTO tallies (poll_id, option_id, writer_id, count)
            SELECT p, o, $3, d FROM unnest($1::text[], $2::text[], $4::bigint[]) AS t (p, o, d)
            ON CONFLICT (poll_id, option_id, writer_id) DO UPDATE SET count = tallies.count + excluded.count
            """, connection, transaction);
        command.Bind(polls).Bind(options).Bind(writerId).Bind(deltas);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<int> RegisterWriterAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("INSERT INTO writers (node, started_at) VALUES ($1, $2) RETURNING id", connection);
        command.Bind(Environment.MachineName + ":" + Environment.ProcessId).Bind(time.GetUtcNow().ToUnixTimeMilliseconds());
        var id = (int)(await command.ExecuteScalarAsync())!;
        LogWriterRegistered(logger, id);
        return id;
    }

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand($"""
            SELECT pg_advisory_xact_lock({PostgresSchema.MigrationLockKey});
            CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
            """, connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        int applied;
        await using (var command = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM schema_migrations", connection, transaction))
        {
            applied = (int)(await command.ExecuteScalarAsync(cancellationToken))!;
        }

        for (var v = applied; v < PostgresSchema.Migrations.Length; v++)
        {
            await using var command = new NpgsqlCommand(
                PostgresSchema.Migrations[v] + $"\nINSERT INTO schema_migrations (version) VALUES ({v + 1});", connection, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Writer {WriterId} registered: its audit chain and tally rows start now")]
    private static partial void LogWriterRegistered(ILogger logger, int writerId);
}
