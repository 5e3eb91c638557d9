using LiveVote.Server.Audit;
using LiveVote.Server.Audit.Merkle;
using Npgsql;

namespace LiveVote.Server.Storage.Postgres;

/// <summary>
/// The Merkle logs' side of the PostgreSQL store (<see cref="IAuditLogStore"/>): one log per (poll, writer chain) in
/// this cluster, read by any node; each node writes the signed heads of its own chains.
/// </summary>
public sealed partial class PostgresVoteStore : IAuditLogStore
{
    private const string HeadColumns = "id, poll_id, writer_id, size, root, at, note";

    public async Task<IReadOnlyList<Sha256Hash>> ReadLeavesAsync(MerkleLogId log, long start, int count, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT hash FROM audit WHERE poll_id = $1 AND writer_id = $2 AND leaf >= $3 AND leaf < $4 ORDER BY leaf");
        command.Bind(log.PollId).Bind(log.Chain).Bind(start).Bind(start + count);
        var leaves = new List<Sha256Hash>(Math.Min(count, 4096));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            leaves.Add(MerkleHash.Leaf(Sha256Hash.Read(reader.GetFieldValue<byte[]>(0))));
        }

        return leaves;
    }

    public async Task<IReadOnlyList<MerkleNode>> ReadNodesAsync(MerkleLogId log, int level, long start, int count, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT idx, hash FROM merkle_nodes WHERE poll_id = $1 AND writer_id = $2 AND level = $3 AND idx >= $4 AND idx < $5 ORDER BY idx");
        command.Bind(log.PollId).Bind(log.Chain).Bind(level).Bind(start).Bind(start + count);
        var nodes = new List<MerkleNode>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            nodes.Add(new MerkleNode(level, reader.GetInt64(0), Sha256Hash.Read(reader.GetFieldValue<byte[]>(1))));
        }

        return nodes;
    }

    public async Task<long> ReadLogSizeAsync(MerkleLogId log, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT max(leaf) FROM audit WHERE poll_id = $1 AND writer_id = $2 AND leaf IS NOT NULL");
        command.Bind(log.PollId).Bind(log.Chain);
        return await command.ExecuteScalarAsync(cancellationToken) is long last ? last + 1 : 0;
    }

    public async Task<AuditEntry?> ReadLeafEntryAsync(MerkleLogId log, long leaf, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {AuditRows.Columns}, writer_id, pos FROM audit WHERE poll_id = $1 AND writer_id = $2 AND leaf = $3");
        command.Bind(log.PollId).Bind(log.Chain).Bind(leaf);
        var entries = await AuditRows.ReadAllAsync(
            command, 1, static (row, entry) => entry with { Chain = row.GetInt32(10), Position = row.GetInt64(11) }, cancellationToken);
        return entries.Count == 0 ? null : entries[0];
    }

    public async Task WriteSignedHeadAsync(SignedHead head, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(head);
        await using var command = dataSource.CreateCommand(
            "INSERT INTO signed_heads (poll_id, writer_id, size, root, at, note) VALUES ($1, $2, $3, $4, $5, $6)");
        command.Bind(head.PollId).Bind(head.Chain).Bind(head.Size).Bind(head.Root.ToArray()).Bind(head.AtUnixMs).Bind(head.Note);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public Task<IReadOnlyList<SignedHead>> ReadLatestHeadsAsync(string pollId, CancellationToken cancellationToken)
    {
        var command = dataSource.CreateCommand(
            $"SELECT DISTINCT ON (writer_id) {HeadColumns} FROM signed_heads WHERE poll_id = $1 ORDER BY writer_id, id DESC");
        command.Bind(pollId);
        return ReadHeadsAsync(command, cancellationToken);
    }

    public async Task<SignedHead?> ReadHeadAsync(MerkleLogId log, long? size, CancellationToken cancellationToken)
    {
        var command = dataSource.CreateCommand(
            $"SELECT {HeadColumns} FROM signed_heads WHERE poll_id = $1 AND writer_id = $2 AND ($3::bigint IS NULL OR size = $3) ORDER BY id DESC LIMIT 1");
        command.Bind(log.PollId).Bind(log.Chain).Bind(size);
        var heads = await ReadHeadsAsync(command, cancellationToken);
        return heads.Count == 0 ? null : heads[0];
    }

    public Task<IReadOnlyList<SignedHead>> ReadHeadsAsync(string pollId, long afterId, int limit, CancellationToken cancellationToken)
    {
        var command = dataSource.CreateCommand($"SELECT {HeadColumns} FROM signed_heads WHERE poll_id = $1 AND id > $2 ORDER BY id LIMIT $3");
        command.Bind(pollId).Bind(afterId).Bind(limit);
        return ReadHeadsAsync(command, cancellationToken);
    }

    private static async Task<IReadOnlyList<SignedHead>> ReadHeadsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using (command)
        {
            var heads = new List<SignedHead>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                heads.Add(new SignedHead(reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt64(3),
                    Sha256Hash.Read(reader.GetFieldValue<byte[]>(4)), reader.GetInt64(5), reader.GetString(6)));
            }

            return heads;
        }
    }
}
