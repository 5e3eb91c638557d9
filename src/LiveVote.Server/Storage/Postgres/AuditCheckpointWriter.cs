using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using LiveVote.Server.Audit;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LiveVote.Server.Storage.Postgres;

/// <summary>
/// Every <see cref="PostgresOptions.CheckpointIntervalSeconds"/>, binds the heads of all writer chains into one entry of
/// the <c>checkpoints</c> chain: <c>hash = SHA-256(prev_hash || heads)</c>, heads being the UTF-8 text
/// <c>writer:seq:hashHex</c> per writer joined by <c>;</c> in writer order. Cutting the tail off one writer's chain (which
/// a per-writer chain alone would not reveal) then contradicts the next checkpoint. Any node may write one; an advisory
/// lock keeps two nodes from forking the checkpoint chain.
/// </summary>
internal sealed partial class AuditCheckpointWriter(
    NpgsqlDataSource dataSource, IOptions<PostgresOptions> options, TimeProvider time, ILogger<AuditCheckpointWriter> logger) : BackgroundService
{
    /// <summary>Advisory lock key of the checkpoint chain ("LVckpt").</summary>
    private const long LockKey = 0x4C56_636B_7074;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(options.Value.CheckpointIntervalSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, time, stoppingToken);
                await WriteAsync(dataSource, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                LogCheckpointFailed(logger, e);
            }
        }
    }

    internal async Task WriteAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({LockKey})", connection, transaction))
        {
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        var heads = new StringBuilder();
        await using (var command = new NpgsqlCommand("""
            SELECT w.id, a.seq, a.hash FROM writers w
            CROSS JOIN LATERAL (SELECT seq, hash FROM audit WHERE writer_id = w.id ORDER BY seq DESC LIMIT 1) a
            ORDER BY w.id
            """, connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                heads.Append(heads.Length == 0 ? "" : ";")
                    .Append(reader.GetInt32(0).ToString(CultureInfo.InvariantCulture)).Append(':')
                    .Append(reader.GetInt64(1).ToString(CultureInfo.InvariantCulture)).Append(':')
                    .Append(Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(2)));
            }
        }

        var prev = new byte[Sha256Hash.Size];
        string? lastHeads = null;
        await using (var command = new NpgsqlCommand("SELECT heads, hash FROM checkpoints ORDER BY id DESC LIMIT 1", connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                lastHeads = reader.GetString(0);
                prev = reader.GetFieldValue<byte[]>(1);
            }
        }

        var text = heads.ToString();
        if (text.Length == 0 || text == lastHeads)
        {
            return; // Nothing new to bind.
        }

        var hash = SHA256.HashData([.. prev, .. Encoding.UTF8.GetBytes(text)]);
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO checkpoints (at, heads, prev_hash, hash) VALUES ($1, $2, $3, $4)", connection, transaction))
        {
            insert.Bind(time.GetUtcNow().ToUnixTimeMilliseconds()).Bind(text).Bind(prev).Bind(hash);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing an audit checkpoint failed; the next interval tries again")]
    private static partial void LogCheckpointFailed(ILogger logger, Exception exception);
}
