using LiveVote.Server.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Security.Captcha;

/// <summary>
/// <c>used_challenges</c> in the embedded node's SQLite file (created by <see cref="SqliteSchema"/>, which the vote
/// store applies when it opens the file at start). Each call opens its own short-lived connection: the vote store's
/// lock file keeps other processes out, not other connections of this one, and a connection held between calls would
/// keep the WAL open after the vote store's clean stop. The file is in WAL mode (the vote store sets it, and it stays
/// with the file), so readers never wait for these writes; SQLite has one writer at a time, so a batch waits (busy
/// timeout) while the vote writer commits, and commits with <c>synchronous=FULL</c> like the votes.
/// </summary>
internal sealed class SqliteUsedChallengeTable(IOptions<SqliteOptions> options) : IUsedChallengeTable
{
    /// <summary>How long a statement waits for the write lock before the batch fails (and is refused with 503).</summary>
    private const int BusyTimeoutSeconds = 5;

    private readonly string _connectionString = Storage.Sqlite.SqliteSideConnection.ConnectionString(options.Value, BusyTimeoutSeconds);

    public async Task<bool[]> InsertNewAsync(IReadOnlyList<UsedChallenge> challenges, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(challenges);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = connection.BeginTransaction(deferred: false); // BEGIN IMMEDIATE: the write lock first
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO used_challenges (challenge, expires_at) VALUES ($challenge, $expires) ON CONFLICT (challenge) DO NOTHING";
        var challenge = insert.Parameters.Add("$challenge", SqliteType.Blob);
        var expires = insert.Parameters.Add("$expires", SqliteType.Integer);
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

    public async Task<int> DeleteExpiredAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM used_challenges WHERE expires_at < $cutoff";
        delete.Parameters.AddWithValue("$cutoff", cutoff.ToUnixTimeMilliseconds());
        return await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken) =>
        Storage.Sqlite.SqliteSideConnection.OpenAsync(_connectionString, BusyTimeoutSeconds, "", cancellationToken);
}
