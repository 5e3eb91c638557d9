using LiveVote.Server.Audit;
using LiveVote.Server.Polls;
using LiveVote.Server.Votes;
using Npgsql;

namespace LiveVote.Server.Storage.Postgres;

/// <summary>
/// The production store: PostgreSQL shared by many stateless API nodes. Each node's single writer group-commits a
/// batch in one transaction of three round trips (<see cref="PostgresBatchStatements"/>): its poll locks and, under
/// them, the open polls, the standing votes of its voters, the database's clock and the reservation of its audit
/// positions; then, as <see cref="BatchDecider"/> decided, its poll changes, its new votes (insert-if-absent); its audit
/// entries and its own tally rows with COMMIT. Duplicates across nodes are settled by the primary key (poll_id, voter_key): a voter another node
/// inserted meanwhile is read back and the batch decided again, not rolled back whole.
/// A commit in flight is never cancelled (no command timeout). A COMMIT that ends with a warning (a cancelled wait for
/// the synchronous standby: committed here, maybe not on the standby) or with a lost connection has an unknown outcome:
/// it fails the batch (503: a retry settles it) and the node is not ready until a fresh connection answers.
/// </summary>
public sealed partial class PostgresVoteStore(NpgsqlDataSource dataSource, TimeProvider time, ILogger<PostgresVoteStore> logger)
    : ISharedVoteStore, IBatchLookups
{
    /// <summary>
    /// Tries of one batch: another try is needed only when another node inserted one of its voters between the read and
    /// the insert; three cover any realistic overlap, and a batch still conflicting fails (503, retried by clients).
    /// </summary>
    private const int MaxDecisions = 3;

    private readonly BatchDecider _decider = new();

    // What this batch's transaction found: the polls it locked open and the standing votes of its voters in the store;
    // and the votes the decider accepted in this try, which a later vote of the same voter in the batch must see.
    private readonly HashSet<string> _openPolls = new(StringComparer.Ordinal);
    private readonly Dictionary<(string PollId, VoterKey Key), StandingVote> _stored = [];
    private readonly Dictionary<(string PollId, VoterKey Key), StandingVote> _acceptedNow = [];
    private NpgsqlConnection? _connection;
    private bool _needsNewChain = true;

    // A warning the server sent during COMMIT, and whether a COMMIT is under way.
    private PostgresNotice? _commitWarning;
    private bool _committing;

    // Set when a commit's outcome was unknown; cleared once the writer has reconnected (readiness).
    private volatile bool _unsettled;

    // A commit (or the writer's registration) is running on the writer's connection.
    private volatile bool _busy;

    /// <summary>The cluster this store must write to, set by <see cref="ClusterMapGuard"/> at start; null: not checked (tests).</summary>
    internal Guid? ClusterId { get; set; }

    public async Task<StoreState> OpenAsync(CancellationToken cancellationToken)
    {
        await PostgresSchema.MigrateAsync(dataSource, cancellationToken);
        var shared = await ReadSharedStateAsync(cancellationToken);
        return new StoreState(shared.Polls, shared.Tallies, 0, Sha256Hash.Zero, shared.Tallies.Values.Sum(t => t.Sum()));
    }

    public async ValueTask CommitAsync(WriteBatch batch, AuditChain chain)
    {
        _busy = true;
        try
        {
            if (_connection is null)
            {
                _connection = await dataSource.OpenConnectionAsync();
                _connection.Notice += OnNotice;
            }

            if (_needsNewChain)
            {
                chain.Restart(await RegisterWriterAsync(_connection));
                _needsNewChain = false;
                _unsettled = false;
            }

            chain.Mark();
            await CommitBatchAsync(_connection, batch, chain);
        }
        catch (PollChangeRefusedException)
        {
            chain.Rewind();
            throw;
        }
        catch (Exception e)
        {
            // The outcome of the failed transaction may be unknown (a warning or a lost connection during the round trip
            // that carries COMMIT; an ERROR there means COMMIT did not run or rolled back): this chain ends at whatever
            // the database holds, and the next batch starts a new chain under a new writer id on a new connection.
            if (_committing && e is not PostgresException { InvariantSeverity: "ERROR" })
            {
                _unsettled = true;
                LogCommitOutcomeUnknown(logger, e.Message);
            }

            _committing = false;
            chain.Rewind();
            _needsNewChain = true;
            if (_connection is not null)
            {
                // Closed for good, not handed back to the pool: the backend of an abandoned commit (and any session
                // lock it held) must go away, and no other reader may pick it up.
                _connection.Notice -= OnNotice;
                dataSource.Clear();
                await _connection.DisposeAsync();
                _connection = null;
            }

            throw;
        }
        finally
        {
            _busy = false;
        }

        if (batch.AuditOnlyEntries.Any(e => e.Kind == AuditKinds.VoterKeysDestroyed))
        {
            // After the commit and outside its error handling: the batch is durable whatever this does.
            await RewritePollsAsync();
        }
    }

    public async Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(string pollId, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT {AuditRows.Columns}, writer_id, pos FROM audit
            WHERE poll_id = $1 AND pos > $2 AND txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
            ORDER BY pos LIMIT $3
            """);
        command.Bind(pollId).Bind(afterSeq).Bind(limit);
        return await AuditRows.ReadAllAsync(
            command, limit, static (row, entry) => entry with { Chain = row.GetInt32(10), Position = row.GetInt64(11) }, cancellationToken);
    }

    /// <summary>
    /// Ready: the cluster's primary answers, and no commit's outcome is unknown: after one, not ready until the writer
    /// has reconnected and registered anew (which commits through the synchronous standby).
    /// </summary>
    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var command = dataSource.CreateCommand("SELECT pg_is_in_recovery()");
            return await command.ExecuteScalarAsync(cancellationToken) is false && !_unsettled;
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

    public async Task<Poll?> ReadPollAsync(string pollId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {PollRows.Columns} FROM polls WHERE id = $1");
        command.Bind(pollId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? PollRows.Read(reader) : null;
    }

    /// <summary>Closes the writer's connection; the data source belongs to whoever made it (the service container).</summary>
    public async ValueTask DisposeAsync()
    {
        // A commit still waiting (for a synchronous standby that is gone) at shutdown keeps its connection: disposing it
        // would wait for that commit; the process ending closes it.
        if (_connection is not null && !_busy)
        {
            await _connection.DisposeAsync();
            _connection = null;
        }
    }

    /// <summary>
    /// One batch's transaction in three round trips (<see cref="PostgresBatchStatements"/>), a fourth and fifth only
    /// when another writer inserted one of its voters meanwhile, one more per poll change.
    /// </summary>
    private async Task CommitBatchAsync(NpgsqlConnection connection, WriteBatch batch, AuditChain chain)
    {
        _openPolls.Clear();
        _stored.Clear();
        var (atUnixMs, positions) = await PostgresBatchStatements.BeginAndReadUnderLocksAsync(
            connection, batch, batch.VoteCount + batch.AuditOnlyEntries.Count, _openPolls, _stored);
        batch.AtUnixMs = atUnixMs;
        Decide(batch, chain);
        foreach (var entry in batch.AuditOnlyEntries)
        {
            if (entry.Poll is { } poll)
            {
                try
                {
                    await PostgresBatchStatements.ApplyPollChangeAsync(connection, poll, entry.Kind);
                }
                catch (PollChangeRefusedException)
                {
                    // Nothing of the batch is written; the connection goes on serving the next batch.
                    await PostgresBatchStatements.RollbackAsync(connection);
                    throw;
                }
            }
        }

        for (var decision = 1; _decider.Accepted.Count > 0; decision++)
        {
            var inserted = await PostgresBatchStatements.InsertVotesAsync(connection, batch, _decider.Accepted, chain.ChainId);
            if (inserted.Count == _decider.Accepted.Count)
            {
                break;
            }

            // Another writer inserted some of these voters since the read: only those are read again and the batch
            // decided anew (their votes are now duplicates or second votes); the rest of the transaction stands.
            if (decision == MaxDecisions)
            {
                throw new InvalidOperationException("Concurrent inserts of the same voters kept conflicting.");
            }

            var (pollIds, keys) = Conflicted(batch, inserted);
            await PostgresBatchStatements.RollBackVotesAndReadStandingAsync(connection, pollIds, keys, _stored);
            chain.Rewind();
            Decide(batch, chain);
        }

        // From here the outcome may be unknown: COMMIT travels with the last writes.
        _commitWarning = null;
        _committing = true;
        await PostgresBatchStatements.WriteAndCommitAsync(connection, chain, positions, _decider.TallyDeltas);
        _committing = false;
        if (_commitWarning is { } warning)
        {
            _unsettled = true;
            throw new InvalidOperationException(
                $"COMMIT ended with a warning, so it may not have reached a synchronous standby: {warning.MessageText} {warning.Detail}");
        }
    }

    private void Decide(WriteBatch batch, AuditChain chain)
    {
        _acceptedNow.Clear();
        _decider.Decide(batch, chain, this);
    }

    /// <summary>The accepted voters the insert did not write: another writer holds them now.</summary>
    private (string[] PollIds, byte[][] Keys) Conflicted(WriteBatch batch, HashSet<(string PollId, VoterKey Key)> inserted)
    {
        var pollIds = new List<string>();
        var keys = new List<byte[]>();
        foreach (var i in _decider.Accepted)
        {
            var vote = batch.Votes[i];
            if (!inserted.Contains((vote.Poll.Id, vote.VoterKey)))
            {
                pollIds.Add(vote.Poll.Id);
                keys.Add(vote.VoterKey.ToArray());
            }
        }

        return ([.. pollIds], [.. keys]);
    }

    bool IBatchLookups.IsOpen(string pollId) => _openPolls.Contains(pollId);

    bool IBatchLookups.TryGetStanding(string pollId, in VoterKey voterKey, out StandingVote vote) =>
        _stored.TryGetValue((pollId, voterKey), out vote) || _acceptedNow.TryGetValue((pollId, voterKey), out vote);

    void IBatchLookups.AddStanding(string pollId, in VoterKey voterKey, in StandingVote vote) => _acceptedNow[(pollId, voterKey)] = vote;

    /// <summary>
    /// A warning during COMMIT is how PostgreSQL says a wait for the synchronous standby was cancelled (an operator's
    /// pg_cancel_backend, a shutdown): the commit stands here but may not have reached the standby.
    /// </summary>
    private void OnNotice(object sender, NpgsqlNoticeEventArgs e)
    {
        // InvariantSeverity: Severity is translated by the server's lc_messages ("WARNUNG").
        if (_committing && e.Notice.InvariantSeverity is "WARNING")
        {
            _commitWarning = e.Notice;
        }
    }

    /// <summary>
    /// Registers a writer, but only in the cluster this partition must be (<see cref="ClusterId"/>, checked by the map
    /// guard at start): a connection that reaches another cluster registers nothing and the batch fails.
    /// </summary>
    private async Task<int> RegisterWriterAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("""
            INSERT INTO writers (node, started_at)
            SELECT $1, $2 WHERE $3::uuid IS NULL OR EXISTS (SELECT 1 FROM cluster_identity WHERE cluster_id = $3::uuid)
            RETURNING id
            """, connection);
        command.Bind(Environment.MachineName + ":" + Environment.ProcessId).Bind(time.GetUtcNow().ToUnixTimeMilliseconds())
            .Parameters.Add(new NpgsqlParameter { Value = (object?)ClusterId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        if (await command.ExecuteScalarAsync() is not int id)
        {
            throw new InvalidOperationException($"The store's connection reached a cluster other than {ClusterId}: nothing is written there.");
        }

        LogWriterRegistered(logger, id);
        return id;
    }

    /// <summary>
    /// After a poll's voter-key secret was destroyed: the UPDATE left the old row version (with the secret) in the table's
    /// file until vacuum and later writes overwrite it, so the (small) polls table is rewritten into a new file at once and
    /// the old file removed. Best effort: a lock it cannot get soon leaves it to the next destruction or a manual VACUUM FULL.
    /// </summary>
    private async Task RewritePollsAsync()
    {
        try
        {
            // A connection of its own: the writer's keeps its settings, and a lock not got soon gives up.
            await using var connection = await dataSource.OpenConnectionAsync();
            await using (var timeout = new NpgsqlCommand("SET lock_timeout = '2s'", connection))
            {
                await timeout.ExecuteNonQueryAsync();
            }

            await using var vacuum = new NpgsqlCommand("VACUUM (FULL) polls", connection);
            await vacuum.ExecuteNonQueryAsync();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            LogPollsNotRewritten(logger, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The polls table was not rewritten after a voter-key secret was destroyed ({Reason}): the old row version stays in its file until VACUUM FULL polls")]
    private static partial void LogPollsNotRewritten(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "A commit's outcome is unknown ({Reason}): its votes are answered 503 and retries settle them; the node is not ready until a fresh connection answers")]
    private static partial void LogCommitOutcomeUnknown(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Writer {WriterId} registered: its audit chain and tally rows start now")]
    private static partial void LogWriterRegistered(ILogger logger, int writerId);
}
