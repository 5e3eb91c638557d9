using LiveVote.Server.Audit;
using LiveVote.Server.Polls;
using LiveVote.Server.Votes;
using Npgsql;

namespace LiveVote.Server.Storage.Postgres;

/// <summary>
/// The SQL of one batch's transaction, in the order <see cref="PostgresVoteStore"/> runs it, in three round trips (each
/// an <see cref="NpgsqlBatch"/>: its statements are sent together and answered together): BEGIN, what the batch reads
/// under its poll locks and the reservation of its audit positions; the savepoint and the vote rows; the audit rows,
/// Merkle nodes, tallies and COMMIT. The decision between the reads and the writes is <see cref="BatchDecider"/>'s.
/// Round trips, not rows, were what a batch of ~100 votes paid most for on a busy machine: every one of the seven it
/// took before waited for the node's writer and the primary's backend to be scheduled in turn (bench/README.md,
/// "PostgreSQL path, one node"). The transaction is begun and ended in SQL, not with <see cref="NpgsqlTransaction"/>,
/// so that COMMIT can travel with the last writes; a statement that fails skips the rest of its batch, COMMIT included.
/// </summary>
internal static class PostgresBatchStatements
{
    /// <summary>
    /// The class of the per-poll advisory locks, "LV": the two-key form keeps them apart from every one-key advisory lock
    /// (migrations, checkpoints) whatever a poll id hashes to.
    /// </summary>
    private const int PollLockClass = 0x4C56;

    /// <summary>The savepoint before a batch's vote rows: a conflict with another writer's insert undoes only those.</summary>
    private const string VotesSavepoint = "votes";

    /// <summary>Advisory lock key (session level, held for microseconds) that orders audit position reservations ("LVpos").</summary>
    private const long PositionLockKey = 0x4C56_706F_73;

    /// <summary>
    /// One round trip: BEGIN; the batch's poll locks (exclusive for a poll it changes, shared for one it only votes in;
    /// taken in poll id order, so no two batches wait on each other in a cycle), then under them the polls found open,
    /// the standing votes of its voters, and the database's clock, which stamps every entry of the batch; then the
    /// reservation of <paramref name="positionCount"/> audit positions (<see cref="AddPositionReservation"/>).
    /// PostgreSQL queues lock requests fairly: a close waits only for the vote batches already holding the poll, and a
    /// vote batch that comes after a waiting close waits behind it, then finds the poll closed. Stamping after the locks
    /// orders the entries' times as the locks ordered the commits: no vote committed before a close carries a later time.
    /// </summary>
    public static async Task<(long AtUnixMs, long[] Positions)> BeginAndReadUnderLocksAsync(
        NpgsqlConnection connection, WriteBatch batch, int positionCount,
        HashSet<string> openPolls, Dictionary<(string PollId, VoterKey Key), StandingVote> standing)
    {
        var (lockIds, exclusive) = PollLocks(batch);
        await using var sql = new NpgsqlBatch(connection);
        sql.BatchCommands.Add(Command("BEGIN ISOLATION LEVEL READ COMMITTED"));
        sql.BatchCommands.Add(Command("""
            SELECT CASE WHEN x THEN pg_advisory_xact_lock($3, hashtext(id)) ELSE pg_advisory_xact_lock_shared($3, hashtext(id)) END IS NULL
            FROM unnest($1::text[], $2::bool[]) AS t (id, x) ORDER BY id
            """, lockIds, exclusive, PollLockClass));
        var (pollIds, keys) = Keys(batch);
        sql.BatchCommands.Add(Command("SELECT DISTINCT id FROM polls WHERE id = ANY($1) AND status = 'open'", pollIds));
        sql.BatchCommands.Add(StandingQuery(pollIds, keys));
        sql.BatchCommands.Add(Command("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint"));
        AddPositionReservation(sql, positionCount);

        // The reader starts at the first statement that returns rows (BEGIN returns none): the locks.
        await using var reader = await sql.ExecuteReaderAsync();
        await reader.NextResultAsync();
        while (await reader.ReadAsync())
        {
            openPolls.Add(reader.GetString(0));
        }

        await reader.NextResultAsync();
        await ReadStandingAsync(reader, standing);
        await reader.NextResultAsync();
        await reader.ReadAsync();
        var atUnixMs = reader.GetInt64(0);
        await reader.NextResultAsync();
        return (atUnixMs, await ReadPositionsAsync(reader, positionCount));
    }

    /// <summary>
    /// One round trip: undoes the vote rows inserted since the savepoint, and reads the standing votes of the voters
    /// another writer inserted while this batch was deciding.
    /// </summary>
    public static async Task RollBackVotesAndReadStandingAsync(
        NpgsqlConnection connection, string[] pollIds, byte[][] keys, Dictionary<(string PollId, VoterKey Key), StandingVote> standing)
    {
        await using var sql = new NpgsqlBatch(connection);
        sql.BatchCommands.Add(Command($"ROLLBACK TO SAVEPOINT {VotesSavepoint}"));
        sql.BatchCommands.Add(StandingQuery(pollIds, keys));

        // The reader starts at the first statement that returns rows: the standing votes.
        await using var reader = await sql.ExecuteReaderAsync();
        await ReadStandingAsync(reader, standing);
    }

    /// <summary>Ends a transaction that will not commit (a poll change another node made first): nothing of it stays.</summary>
    public static async Task RollbackAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("ROLLBACK", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// The transaction's first write, under a brief session lock: it takes its transaction id and
    /// <paramref name="count"/> audit positions together, so positions follow transaction ids across every writer. A
    /// reader that returns only entries of transactions older than every running one (<c>txid</c> below the snapshot's
    /// xmin) then never passes a position a later commit still fills. The id also makes even a batch of duplicates
    /// commit through the synchronous standby, so a vote read back from an earlier, unconfirmed commit is answered only
    /// once the standby has it too. Four statements whose results <see cref="ReadPositionsAsync"/> reads.
    /// </summary>
    private static void AddPositionReservation(NpgsqlBatch sql, int count)
    {
        sql.BatchCommands.Add(Command("SELECT pg_advisory_lock($1)", PositionLockKey));
        sql.BatchCommands.Add(Command("SELECT pg_current_xact_id()"));
        sql.BatchCommands.Add(Command("SELECT nextval(pg_get_serial_sequence('audit', 'pos')) FROM generate_series(1, $1) ORDER BY 1", count));
        sql.BatchCommands.Add(Command("SELECT pg_advisory_unlock($1)", PositionLockKey));
    }

    /// <summary>The reserved positions, from a reader standing at the first result of <see cref="AddPositionReservation"/>.</summary>
    private static async Task<long[]> ReadPositionsAsync(NpgsqlDataReader reader, int count)
    {
        await reader.NextResultAsync();
        await reader.NextResultAsync();
        var positions = new long[count];
        for (var i = 0; i < count && await reader.ReadAsync(); i++)
        {
            positions[i] = reader.GetInt64(0);
        }

        return positions;
    }

    /// <summary>
    /// One round trip: a savepoint (a conflict rolls back to it, <see cref="RollBackVotesAndReadStandingAsync"/>), then
    /// the accepted votes inserted in (poll, voter) order (two batches holding the same voters in opposite order would
    /// otherwise wait on each other); returns the voters inserted: one missing was inserted by another writer meanwhile.
    /// </summary>
    public static async Task<HashSet<(string PollId, VoterKey Key)>> InsertVotesAsync(
        NpgsqlConnection connection, WriteBatch batch, IReadOnlyList<int> accepted, int writerId)
    {
        var n = accepted.Count;
        var pollIds = new string[n];
        var keys = new byte[n][];
        var options = new string[n];
        var seqs = new long[n];
        var receipts = new byte[n][];
        var leaves = new long[n];
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
            leaves[j] = results[i].Leaf;
        }

        await using var sql = new NpgsqlBatch(connection);
        sql.BatchCommands.Add(Command($"SAVEPOINT {VotesSavepoint}"));
        sql.BatchCommands.Add(CommandWithValues("""
            INSERT INTO votes (poll_id, voter_key, option_id, writer_id, seq, receipt, leaf)
            SELECT p, k, o, $4, s, r, l FROM unnest($1::text[], $2::bytea[], $3::text[], $5::bigint[], $6::bytea[], $7::bigint[]) AS t (p, k, o, s, r, l)
            ORDER BY p, k
            ON CONFLICT (poll_id, voter_key) DO NOTHING
            RETURNING poll_id, voter_key
            """, (ReadOnlySpan<object?>)[pollIds, keys, options, writerId, seqs, receipts, leaves]));
        var inserted = new HashSet<(string, VoterKey)>(n);
        // The reader starts at the first statement that returns rows: the insert's.
        await using var reader = await sql.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            inserted.Add((reader.GetString(0), VoterKey.Read(reader.GetFieldValue<byte[]>(1))));
        }

        return inserted;
    }

    /// <summary>
    /// The last round trip: the chain's new entries at the positions reserved for them, with this transaction's id and
    /// their leaves; the stored Merkle nodes they completed (every 256th leaf of a log); the batch's accepted votes added
    /// to this writer's own tally rows (no two writers contend on a counter); and COMMIT, which runs only when every
    /// statement before it succeeded.
    /// </summary>
    public static async Task WriteAndCommitAsync(
        NpgsqlConnection connection, AuditChain chain, long[] positions, IReadOnlyDictionary<(string PollId, string OptionId), long> deltas)
    {
        await using var sql = new NpgsqlBatch(connection);
        AddAudit(sql, chain, positions);
        AddTallies(sql, deltas, chain.ChainId);
        sql.BatchCommands.Add(Command("COMMIT"));
        await sql.ExecuteNonQueryAsync();
    }

    private static void AddAudit(NpgsqlBatch sql, AuditChain chain, long[] positions)
    {
        var entries = chain.Appended;
        var n = entries.Count;
        if (n == 0)
        {
            return;
        }

        var pos = positions.AsSpan(0, n).ToArray();
        var seqs = new long[n];
        var kinds = new string[n];
        var polls = new string?[n];
        var keys = new byte[]?[n];
        var options = new string?[n];
        var ats = new long[n];
        var data = new string?[n];
        var prev = new byte[n][];
        var hashes = new byte[n][];
        var leaves = new long?[n];
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
            leaves[i] = e.Leaf < 0 ? null : e.Leaf;
        }

        var command = new NpgsqlBatchCommand("""
            INSERT INTO audit (pos, txid, writer_id, seq, kind, poll_id, voter_key, option_id, at, data, prev_hash, hash, leaf)
            OVERRIDING SYSTEM VALUE
            SELECT ps, pg_current_xact_id()::text::bigint, $1, s, k, p, v, o, a, d, ph, h, l
            FROM unnest($11::bigint[], $2::bigint[], $3::text[], $4::text[], $5::bytea[], $6::text[], $7::bigint[], $8::text[], $9::bytea[], $10::bytea[], $12::bigint[])
                AS t (ps, s, k, p, v, o, a, d, ph, h, l)
            ORDER BY s
            """);
        foreach (var value in (ReadOnlySpan<object>)[chain.ChainId, seqs, kinds, polls, keys, options, ats, data, prev, hashes, pos, leaves])
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        sql.BatchCommands.Add(command);
        var nodes = chain.CompletedNodes;
        if (nodes.Count > 0)
        {
            var nodeCommand = new NpgsqlBatchCommand("""
                INSERT INTO merkle_nodes (poll_id, writer_id, level, idx, hash)
                SELECT p, $1, l, i, h FROM unnest($2::text[], $3::int[], $4::bigint[], $5::bytea[]) AS t (p, l, i, h)
                """);
            foreach (var value in (ReadOnlySpan<object>)[chain.ChainId, nodes.Select(n => n.PollId).ToArray(), nodes.Select(n => n.Node.Level).ToArray(),
                         nodes.Select(n => n.Node.Index).ToArray(), nodes.Select(n => n.Node.Hash.ToArray()).ToArray()])
            {
                nodeCommand.Parameters.Add(new NpgsqlParameter { Value = value });
            }

            sql.BatchCommands.Add(nodeCommand);
        }
    }

    private static void AddTallies(NpgsqlBatch sql, IReadOnlyDictionary<(string PollId, string OptionId), long> deltas, int writerId)
    {
        if (deltas.Count == 0)
        {
            return;
        }

        sql.BatchCommands.Add(CommandWithValues("""
            INSERT INTO tallies (poll_id, option_id, writer_id, count)
            SELECT p, o, $3, d FROM unnest($1::text[], $2::text[], $4::bigint[]) AS t (p, o, d)
            ON CONFLICT (poll_id, option_id, writer_id) DO UPDATE SET count = tallies.count + excluded.count
            """, (ReadOnlySpan<object?>)[deltas.Keys.Select(k => k.PollId).ToArray(), deltas.Keys.Select(k => k.OptionId).ToArray(), writerId, deltas.Values.ToArray()]));
    }

    /// <summary>
    /// A producer's change of the shared <c>polls</c> row, guarded by the state it starts from: when another node changed
    /// the poll first it matches no row and nothing of the batch is written.
    /// </summary>
    public static async Task ApplyPollChangeAsync(NpgsqlConnection connection, Poll poll, string kind)
    {
        if (PostgresPresentationChanges.Handles(kind))
        {
            await PostgresPresentationChanges.ApplyAsync(connection, poll, kind);
            return;
        }

        var sql = kind switch
        {
            AuditKinds.PollCreated => """
                INSERT INTO polls (id, title, options, status, created_at, partition_count, show_results_to_viewers, voter_secret, code, results_hidden)
                VALUES ($1, $2, $3, 'draft', $4, $5, $6, $7, $8, $9)
                ON CONFLICT (id) DO NOTHING
                """,
            AuditKinds.PollOpened => "UPDATE polls SET status = 'open', opened_at = $4 WHERE id = $1 AND status = 'draft' AND $2::text IS NOT NULL AND $3::text IS NOT NULL",
            // Closing releases a freeze: the final result goes out as counted.
            AuditKinds.PollClosed => "UPDATE polls SET status = 'closed', closed_at = $4, frozen_totals = NULL, frozen_at = NULL WHERE id = $1 AND status = 'open' AND $2::text IS NOT NULL AND $3::text IS NOT NULL",
            // Crypto-shredding (docs/design.md, 11): the row keeps when, never the secret. VACUUM of the old row version
            // follows the commit (PostgresVoteStore).
            AuditKinds.VoterKeysDestroyed => "UPDATE polls SET voter_secret = NULL, voter_keys_destroyed_at = $4 WHERE id = $1 AND status = 'closed' AND voter_secret IS NOT NULL AND $2::text IS NOT NULL AND $3::text IS NOT NULL",
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        var at = kind switch
        {
            AuditKinds.PollCreated => poll.CreatedAt,
            AuditKinds.PollOpened => poll.OpenedAt!.Value,
            AuditKinds.VoterKeysDestroyed => poll.VoterKeysDestroyedAt!.Value,
            _ => poll.ClosedAt!.Value,
        };
        await using var command = new NpgsqlCommand(sql, connection);
        command.Bind(poll.Id).Bind(poll.Title).Bind(StorageJsonContext.OptionsJson(poll)).Bind(at.ToUnixTimeMilliseconds());
        if (kind == AuditKinds.PollCreated)
        {
            command.Bind(poll.PartitionCount).Bind(poll.ShowResultsToViewers);
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)poll.VoterSecret?.ToArray() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bytea });
            command.Bind(poll.Code).Bind(poll.ResultsHidden);
        }

        if (await command.ExecuteNonQueryAsync() != 1)
        {
            throw new PollChangeRefusedException(poll.Id);
        }
    }

    /// <summary>Each vote's poll and voter key, in batch order.</summary>
    public static (string[] PollIds, byte[][] Keys) Keys(WriteBatch batch)
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

    /// <summary>Every poll the batch touches, once, and whether the batch changes it (exclusive) or only votes in it (shared).</summary>
    private static (string[] Ids, bool[] Exclusive) PollLocks(WriteBatch batch)
    {
        var locks = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var vote in batch.Votes)
        {
            locks.TryAdd(vote.Poll.Id, false);
        }

        foreach (var entry in batch.AuditOnlyEntries)
        {
            if (entry.Poll is { } poll)
            {
                locks[poll.Id] = true;
            }
        }

        return ([.. locks.Keys], [.. locks.Values]);
    }

    private static NpgsqlBatchCommand StandingQuery(string[] pollIds, byte[][] keys) => Command("""
        SELECT v.poll_id, v.voter_key, v.option_id, v.writer_id, v.seq, v.receipt, coalesce(v.leaf, -1)
        FROM votes v JOIN unnest($1::text[], $2::bytea[]) AS k (poll_id, voter_key) USING (poll_id, voter_key)
        """, pollIds, keys);

    private static async Task ReadStandingAsync(NpgsqlDataReader reader, Dictionary<(string PollId, VoterKey Key), StandingVote> standing)
    {
        while (await reader.ReadAsync())
        {
            var key = (reader.GetString(0), VoterKey.Read(reader.GetFieldValue<byte[]>(1)));
            standing[key] = new StandingVote(reader.GetString(2), reader.GetInt64(4), Sha256Hash.Read(reader.GetFieldValue<byte[]>(5)), reader.GetInt32(3),
                reader.GetInt64(6));
        }
    }

    private static NpgsqlBatchCommand Command(string sql) => new(sql);

    /// <summary>
    /// A statement with positional parameters $1, $2, ... in order. No <c>params object[]</c> on purpose: a lone
    /// <c>string[]</c> or <c>byte[][]</c> argument would be spread into several parameters.
    /// </summary>
    private static NpgsqlBatchCommand Command(string sql, object first, object? second = null, object? third = null) =>
        CommandWithValues(sql, (ReadOnlySpan<object?>)[first, second, third]);

    /// <summary>
    /// A statement with one positional parameter per value. A name of its own, not an overload of <see cref="Command(string, object, object?, object?)"/>:
    /// a lone array argument converts to a span implicitly and would be spread into several parameters.
    /// </summary>
    private static NpgsqlBatchCommand CommandWithValues(string sql, ReadOnlySpan<object?> values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            if (value is not null)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = value });
            }
        }

        return command;
    }
}
