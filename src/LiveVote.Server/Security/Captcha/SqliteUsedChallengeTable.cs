using LiveVote.Server.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Security.Captcha;

/// <summary>
/// <c>used_challenges</c> in the embedded node's SQLite file (created by <see cref="SqliteSchema"/>, which the vote
/// store applies when it opens the file at start). A call opens its own connection: the vote store's lock file keeps
/// other processes out, not other connections of this one, and a connection held while idle would keep the WAL open
/// after the vote store's clean stop. Only during a burst (<see cref="InsertNewKeepingOpenAsync"/>, while the writer
/// has more marks queued) is the connection kept from one batch to the next: opening one costs a file open, a schema
/// read and a cold page cache per batch (bench/registration.sh profiles a burst). The
/// file is in WAL mode (the vote store sets it, and it stays with the file), so readers never wait for these writes;
/// SQLite has one writer at a time, so a batch waits (busy timeout) while the vote writer commits, and commits with
/// <c>synchronous=FULL</c> like the votes.
/// </summary>
internal sealed class SqliteUsedChallengeTable(IOptions<SqliteOptions> options, SqliteWriteTurn? writeTurn = null) : IUsedChallengeTable
{
    // The process's turn at the file's write lock, shared with the vote writer (one of its own when none is given).
    private readonly SqliteWriteTurn _writeTurn = writeTurn ?? new();

    /// <summary>How long a statement waits for the write lock before the batch fails (and is refused with 503).</summary>
    private const int BusyTimeoutSeconds = 5;

    private readonly string _connectionString = SqliteSideConnection.ConnectionString(options.Value, BusyTimeoutSeconds);
    private Writer? _kept;

    public async Task<bool[]> InsertNewAsync(IReadOnlyList<UsedChallenge> challenges, CancellationToken cancellationToken)
    {
        await using var writer = await Writer.OpenAsync(_connectionString, cancellationToken).ConfigureAwait(false);
        using var turn = await _writeTurn.EnterAsync(cancellationToken).ConfigureAwait(false);
        return await writer.InsertNewAsync(challenges, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool[]> InsertNewKeepingOpenAsync(IReadOnlyList<UsedChallenge> challenges, CancellationToken cancellationToken)
    {
        _kept ??= await Writer.OpenAsync(_connectionString, cancellationToken).ConfigureAwait(false);
        try
        {
            using var turn = await _writeTurn.EnterAsync(cancellationToken).ConfigureAwait(false);
            return await _kept.InsertNewAsync(challenges, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Whatever failed, the next batch starts from a fresh connection.
            await ReleaseAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask ReleaseAsync()
    {
        if (_kept is { } kept)
        {
            _kept = null;
            await kept.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async Task<int> DeleteExpiredAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        await using var connection = await SqliteSideConnection.OpenAsync(_connectionString, BusyTimeoutSeconds, "", cancellationToken).ConfigureAwait(false);
        await using var delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM used_challenges WHERE expires_at < $cutoff";
        delete.Parameters.AddWithValue("$cutoff", cutoff.ToUnixTimeMilliseconds());
        using var turn = await _writeTurn.EnterAsync(cancellationToken).ConfigureAwait(false);
        return await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A connection and its insert statement, prepared once and run once per challenge of each batch.</summary>
    private sealed class Writer(SqliteConnection connection, SqliteCommand insert, SqliteParameter challenge, SqliteParameter expires) : IAsyncDisposable
    {
        public static async Task<Writer> OpenAsync(string connectionString, CancellationToken cancellationToken)
        {
            var connection = await SqliteSideConnection.OpenAsync(connectionString, BusyTimeoutSeconds, "", cancellationToken).ConfigureAwait(false);
            var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO used_challenges (challenge, expires_at) VALUES ($challenge, $expires) ON CONFLICT (challenge) DO NOTHING";
            return new Writer(connection, insert, insert.Parameters.Add("$challenge", SqliteType.Blob), insert.Parameters.Add("$expires", SqliteType.Integer));
        }

        /// <summary>Inserts the batch in one transaction: one commit, one fsync, for all of it.</summary>
        public async Task<bool[]> InsertNewAsync(IReadOnlyList<UsedChallenge> challenges, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(challenges);
            await using var transaction = connection.BeginTransaction(deferred: false); // BEGIN IMMEDIATE: the write lock first
            insert.Transaction = transaction;
            var inserted = new bool[challenges.Count];
            for (var i = 0; i < challenges.Count; i++)
            {
                challenge.Value = challenges[i].Key;
                expires.Value = challenges[i].ExpiresAtMs;
                inserted[i] = await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return inserted;
        }

        public async ValueTask DisposeAsync()
        {
            await insert.DisposeAsync().ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
