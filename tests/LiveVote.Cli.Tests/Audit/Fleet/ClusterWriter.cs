using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using LiveVote.Server.Audit;
using LiveVote.Server.Polls;
using LiveVote.Server.Storage;
using LiveVote.Server.Storage.Postgres;
using LiveVote.Server.Votes;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace LiveVote.Cli.Tests.Audit.Fleet;

/// <summary>
/// Writes one cluster of a fleet through the server's own single-cluster writing path (<see cref="PostgresVoteStore"/>:
/// migrations, a registered writer with its own audit chain, poll rows, votes, tallies), one batch at a time. A fleet is
/// one of these per cluster, with poll changes sent to every one and each vote to the cluster its voter maps to, as the
/// node's routing does; a test can also send a vote where it does not belong.
/// </summary>
public sealed class ClusterWriter : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresVoteStore _store;
    private readonly AuditChain _chain = new(0, Sha256Hash.Zero);
    private readonly WriteBatch _batch = new(16);

    private ClusterWriter(NpgsqlDataSource dataSource)
    {
        _dataSource = dataSource;
        _store = new PostgresVoteStore(dataSource, TimeProvider.System, NullLogger<PostgresVoteStore>.Instance);
    }

    /// <summary>Opens the store (running its migrations, as a node's start does).</summary>
    public static async Task<ClusterWriter> OpenAsync(string connectionString)
    {
        var writer = new ClusterWriter(NpgsqlDataSource.Create(connectionString));
        await writer._store.OpenAsync(CancellationToken.None);
        return writer;
    }

    /// <summary>A poll change (<see cref="AuditKinds.PollCreated"/>, opened, closed) committed in this cluster.</summary>
    public async Task ChangeAsync(Poll poll, string kind)
    {
        _batch.Clear();
        _batch.AddPollChange(poll, kind);
        await _store.CommitAsync(_batch, _chain);
    }

    public async Task<VoteOutcome> VoteAsync(Poll poll, VoterKey voter, int option)
    {
        _batch.Clear();
        _batch.AddVote(new BatchVote(poll, option, voter));
        await _store.CommitAsync(_batch, _chain);
        return _batch.Results[0].Outcome;
    }

    /// <summary>
    /// Binds the heads of every writer chain into the checkpoints chain, as the server's AuditCheckpointWriter does
    /// (internal to the server): <c>hash = SHA-256(prev_hash || "writer:seq:hashHex;...")</c>.
    /// </summary>
    public async Task CheckpointAsync()
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        var heads = new List<string>();
        await using (var command = new NpgsqlCommand("""
            SELECT w.id, a.seq, a.hash FROM writers w
            CROSS JOIN LATERAL (SELECT seq, hash FROM audit WHERE writer_id = w.id ORDER BY seq DESC LIMIT 1) a
            ORDER BY w.id
            """, connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                heads.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{reader.GetInt32(0)}:{reader.GetInt64(1)}:{Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(2))}"));
            }
        }

        var prev = new byte[32];
        await using (var command = new NpgsqlCommand("SELECT hash FROM checkpoints ORDER BY id DESC LIMIT 1", connection))
        {
            if (await command.ExecuteScalarAsync() is byte[] last)
            {
                prev = last;
            }
        }

        var text = string.Join(';', heads);
        await using var insert = new NpgsqlCommand("INSERT INTO checkpoints (at, heads, prev_hash, hash) VALUES ($1, $2, $3, $4)", connection);
        insert.Parameters.Add(new NpgsqlParameter { Value = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() });
        insert.Parameters.Add(new NpgsqlParameter { Value = text });
        insert.Parameters.Add(new NpgsqlParameter { Value = prev });
        insert.Parameters.Add(new NpgsqlParameter { Value = SHA256.HashData([.. prev, .. Encoding.UTF8.GetBytes(text)]) });
        await insert.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        await _dataSource.DisposeAsync();
    }
}
