using Microsoft.Data.Sqlite;

namespace LiveVote.Server.Storage.Sqlite;

/// <summary>
/// A short-lived connection to the node's SQLite file for a table beside the writer's (used CAPTCHA challenges, risk
/// evidence): opened with a busy timeout, so it waits out one batch's transaction instead of failing, and durable commits.
/// </summary>
internal static class SqliteSideConnection
{
    /// <summary>
    /// The connection string of a side table's calls: the file at <c>LiveVote:Sqlite:Path</c>, never created (the vote
    /// store owns it: without it there is nothing to protect and nothing to answer), not pooled (short-lived), waiting
    /// <paramref name="busyTimeoutSeconds"/> for the writer's lock.
    /// </summary>
    public static string ConnectionString(SqliteOptions options, int busyTimeoutSeconds) => new SqliteConnectionStringBuilder
    {
        DataSource = Path.GetFullPath(options.Path ?? throw new InvalidOperationException("LiveVote:Sqlite:Path is not set.")),
        Mode = SqliteOpenMode.ReadWrite,
        Pooling = false,
        DefaultTimeout = busyTimeoutSeconds,
    }.ToString();

    public static async Task<SqliteConnection> OpenAsync(string connectionString, int busyTimeoutSeconds, string extraPragmas, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var settings = connection.CreateCommand();
            settings.CommandText = $"PRAGMA busy_timeout = {busyTimeoutSeconds * 1000}; PRAGMA synchronous = FULL; {extraPragmas}";
            await settings.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
