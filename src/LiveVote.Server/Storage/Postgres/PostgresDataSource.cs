using Npgsql;

namespace LiveVote.Server.Storage.Postgres;

/// <summary>The one <see cref="NpgsqlDataSource"/> of a node's cluster, with the settings a vote commit relies on.</summary>
public static class PostgresDataSource
{
    public static NpgsqlDataSource Create(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString)
        {
            // Never cancel a commit that waits for a standby: the outcome would be unknown.
            CommandTimeout = 0,
        };
        if (!connectionString.Contains("Recheck", StringComparison.OrdinalIgnoreCase))
        {
            // After a failover, look for the new primary every second rather than Npgsql's default ten.
            builder.HostRecheckSeconds = 1;
        }

        return NpgsqlDataSource.Create(builder.ConnectionString);
    }
}
