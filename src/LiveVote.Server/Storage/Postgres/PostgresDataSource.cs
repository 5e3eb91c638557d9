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

        if (!connectionString.Contains("GSS Encryption Mode", StringComparison.OrdinalIgnoreCase) &&
            !connectionString.Contains("GssEncryptionMode", StringComparison.OrdinalIgnoreCase))
        {
            // Npgsql 10 first asks for GSSAPI (Kerberos) session encryption by default; the clusters use password
            // (SCRAM) authentication and TLS, never Kerberos. The attempt can use up the whole connect Timeout and the
            // fallback then fails at once with "The operation has timed out" (npgsql/npgsql#6416, #6655): the zone-cut
            // test saw it on a new connection to the new primary right after a failover, when new connections matter most.
            builder.GssEncryptionMode = GssEncryptionMode.Disable;
        }

        return NpgsqlDataSource.Create(builder.ConnectionString);
    }
}
