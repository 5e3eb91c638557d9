using LiveVote.Server.Audit;
using LiveVote.Server.Audit.Merkle;
using Microsoft.Data.Sqlite;

namespace LiveVote.Server.Storage.Sqlite;

/// <summary>
/// The Merkle logs' side of the SQLite store (<see cref="IAuditLogStore"/>): one log per poll in the one chain 0. Reads
/// use pooled read-only connections; signed heads are written on a connection of their own (not the writer's, which
/// only the batch writer's thread uses), so a head waits at most for one batch's transaction (busy_timeout).
/// </summary>
public sealed partial class SqliteVoteStore
{
    private readonly SemaphoreSlim _headWriterLock = new(1, 1);
    private SqliteConnection? _headWriter;

    public async Task<IReadOnlyList<Sha256Hash>> ReadLeavesAsync(MerkleLogId log, long start, int count, CancellationToken cancellationToken)
    {
        var leaves = new List<Sha256Hash>(Math.Min(count, 4096));
        if (log.Chain != 0)
        {
            return leaves;
        }

        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT hash FROM audit WHERE poll_id = $poll AND leaf >= $start AND leaf < $end ORDER BY leaf";
        command.Parameters.AddWithValue("$poll", log.PollId);
        command.Parameters.AddWithValue("$start", start);
        command.Parameters.AddWithValue("$end", start + count);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var hash = new byte[Sha256Hash.Size];
        while (await reader.ReadAsync(cancellationToken))
        {
            reader.GetBytes(0, 0, hash, 0, Sha256Hash.Size);
            leaves.Add(MerkleHash.Leaf(Sha256Hash.Read(hash)));
        }

        return leaves;
    }

    public async Task<IReadOnlyList<MerkleNode>> ReadNodesAsync(MerkleLogId log, int level, long start, int count, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT idx, hash FROM merkle_nodes WHERE poll_id = $poll AND chain = $chain AND level = $level AND idx >= $start AND idx < $end ORDER BY idx";
        command.Parameters.AddWithValue("$poll", log.PollId);
        command.Parameters.AddWithValue("$chain", log.Chain);
        command.Parameters.AddWithValue("$level", level);
        command.Parameters.AddWithValue("$start", start);
        command.Parameters.AddWithValue("$end", start + count);
        var nodes = new List<MerkleNode>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            nodes.Add(new MerkleNode(level, reader.GetInt64(0), Sha256Hash.Read((byte[])reader.GetValue(1))));
        }

        return nodes;
    }

    public async Task<long> ReadLogSizeAsync(MerkleLogId log, CancellationToken cancellationToken)
    {
        if (log.Chain != 0)
        {
            return 0;
        }

        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT max(leaf) FROM audit WHERE poll_id = $poll";
        command.Parameters.AddWithValue("$poll", log.PollId);
        return await command.ExecuteScalarAsync(cancellationToken) is long last ? last + 1 : 0;
    }

    public async Task<AuditEntry?> ReadLeafEntryAsync(MerkleLogId log, long leaf, CancellationToken cancellationToken)
    {
        if (log.Chain != 0)
        {
            return null;
        }

        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {AuditRows.Columns} FROM audit WHERE poll_id = $poll AND leaf = $leaf";
        command.Parameters.AddWithValue("$poll", log.PollId);
        command.Parameters.AddWithValue("$leaf", leaf);
        var entries = await AuditRows.ReadAllAsync(command, 1, static (_, entry) => entry, cancellationToken);
        return entries.Count == 0 ? null : entries[0];
    }

    public async Task WriteSignedHeadAsync(SignedHead head, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(head);
        await _headWriterLock.WaitAsync(cancellationToken);
        try
        {
            if (_headWriter is null)
            {
                _headWriter = new SqliteConnection(new SqliteConnectionStringBuilder
                {
                    DataSource = _path,
                    Mode = SqliteOpenMode.ReadWrite,
                    Pooling = false,
                }.ToString());
                await _headWriter.OpenAsync(cancellationToken);
                await using var pragmas = _headWriter.CreateCommand();
                pragmas.CommandText = "PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;";
                await pragmas.ExecuteNonQueryAsync(cancellationToken);
            }

            await using var command = _headWriter.CreateCommand();
            command.CommandText = "INSERT INTO signed_heads (poll_id, chain, size, root, at, note) VALUES ($poll, $chain, $size, $root, $at, $note)";
            command.Parameters.AddWithValue("$poll", head.PollId);
            command.Parameters.AddWithValue("$chain", head.Chain);
            command.Parameters.AddWithValue("$size", head.Size);
            command.Parameters.AddWithValue("$root", head.Root.ToArray());
            command.Parameters.AddWithValue("$at", head.AtUnixMs);
            command.Parameters.AddWithValue("$note", head.Note);
            // In the write turn the vote writer takes too (SqliteWriteTurn): neither sleeps in SQLite's busy handler.
            using var turn = await _writeTurn.EnterAsync(cancellationToken);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            _headWriterLock.Release();
        }
    }

    public async Task<IReadOnlyList<SignedHead>> ReadLatestHeadsAsync(string pollId, CancellationToken cancellationToken) =>
        await ReadHeadsAsync(
            $"SELECT {HeadColumns} FROM signed_heads WHERE id IN (SELECT max(id) FROM signed_heads WHERE poll_id = $poll GROUP BY chain) ORDER BY chain",
            command => command.Parameters.AddWithValue("$poll", pollId), cancellationToken);

    public async Task<SignedHead?> ReadHeadAsync(MerkleLogId log, long? size, CancellationToken cancellationToken)
    {
        var heads = await ReadHeadsAsync(
            $"SELECT {HeadColumns} FROM signed_heads WHERE poll_id = $poll AND chain = $chain AND ($size IS NULL OR size = $size) ORDER BY id DESC LIMIT 1",
            command =>
            {
                command.Parameters.AddWithValue("$poll", log.PollId);
                command.Parameters.AddWithValue("$chain", log.Chain);
                command.Parameters.AddWithValue("$size", (object?)size ?? DBNull.Value);
            },
            cancellationToken);
        return heads.Count == 0 ? null : heads[0];
    }

    public Task<IReadOnlyList<SignedHead>> ReadHeadsAsync(string pollId, long afterId, int limit, CancellationToken cancellationToken) =>
        ReadHeadsAsync(
            $"SELECT {HeadColumns} FROM signed_heads WHERE poll_id = $poll AND id > $after ORDER BY id LIMIT $limit",
            command =>
            {
                command.Parameters.AddWithValue("$poll", pollId);
                command.Parameters.AddWithValue("$after", afterId);
                command.Parameters.AddWithValue("$limit", limit);
            },
            cancellationToken);

    private const string HeadColumns = "id, poll_id, chain, size, root, at, note";

    private async Task<IReadOnlyList<SignedHead>> ReadHeadsAsync(string sql, Action<SqliteCommand> bind, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        bind(command);
        var heads = new List<SignedHead>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            heads.Add(new SignedHead(reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt64(3),
                Sha256Hash.Read((byte[])reader.GetValue(4)), reader.GetInt64(5), reader.GetString(6)));
        }

        return heads;
    }

    /// <summary>
    /// The right edge of every poll's log, from the stored nodes and the last leaves (<see cref="MerkleTreeReader"/>),
    /// so the writer numbers the next leaf of each poll where the file left off.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, MerkleFrontier>> LoadLogsAsync(CancellationToken cancellationToken)
    {
        var sizes = new List<(string PollId, long Size)>();
        using (var command = _connection!.CreateCommand())
        {
            // Each log's size by index seeks only: the distinct poll ids walked on audit_by_leaf (a skip scan), then
            // max(leaf) of each, O(polls x log n). A GROUP BY read the whole index: ~20 s of a restart at 9M votes.
            command.CommandText = """
                WITH RECURSIVE ids(poll_id) AS (
                    SELECT min(poll_id) FROM audit WHERE poll_id IS NOT NULL
                    UNION ALL
                    SELECT (SELECT min(poll_id) FROM audit WHERE poll_id > ids.poll_id) FROM ids WHERE ids.poll_id IS NOT NULL)
                SELECT poll_id, size FROM (SELECT poll_id, (SELECT max(leaf) + 1 FROM audit WHERE audit.poll_id = ids.poll_id) AS size FROM ids)
                WHERE poll_id IS NOT NULL AND size IS NOT NULL
                """;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                sizes.Add((reader.GetString(0), reader.GetInt64(1)));
            }
        }

        var tree = new MerkleTreeReader(this);
        var logs = new Dictionary<string, MerkleFrontier>(StringComparer.Ordinal);
        foreach (var (pollId, size) in sizes)
        {
            logs[pollId] = await tree.FrontierAsync(new MerkleLogId(pollId, 0), size, cancellationToken);
        }

        return logs;
    }

    private async Task<SqliteConnection> OpenReadAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_readConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private async Task DisposeHeadWriterAsync()
    {
        // A head being written finishes first: the file is closed with it or without it, never half-written.
        await _headWriterLock.WaitAsync();
        try
        {
            if (_headWriter is not null)
            {
                await _headWriter.DisposeAsync();
                _headWriter = null;
            }
        }
        finally
        {
            _headWriterLock.Release();
        }
    }
}
