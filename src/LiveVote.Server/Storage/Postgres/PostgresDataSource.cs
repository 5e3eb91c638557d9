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
        if (!connectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase))
        {
            // The writer runs the same dozen statements for every batch, and the results refresh the same two every
            // 200 ms: prepared once per connection, the primary parses and plans none of them again.
            builder.MaxAutoPrepare = 32;
        }

        if (!connectionString.Contains("Recheck", StringComparison.OrdinalIgnoreCase))
        {
            // After a failover, look for the new primary every second rather than Npgsql's default ten.
            builder.HostRecheckSeconds = 1;
        }

        return NpgsqlDataSource.Create(builder.ConnectionString);
    }
}
