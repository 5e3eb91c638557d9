using System.Net.Sockets;
using LiveVote.Cli.Audit.Postgres;
using LiveVote.Cli.CommandLine;
using Npgsql;

namespace LiveVote.Cli.Audit;

/// <summary>
/// Tells "could not reach the store" (exit 3) from "the store is wrong" (exit 1) before anything is judged: a missing
/// or unopenable SQLite file, or a PostgreSQL cluster that refuses the connection, does not resolve, times out or has no
/// such database. A store that answers but is not a LiveVote store stays a failed check of the verifier.
/// </summary>
internal static class StoreReachability
{
    public static void EnsureSqliteFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new CouldNotReachException($"No such file: {path}");
        }

        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CouldNotReachException($"Cannot open {path}: {e.Message}", e);
        }
    }

    public static async Task EnsurePostgresAsync(string connectionString, CancellationToken cancellationToken)
    {
        var builder = PostgresAuditVerifier.Builder(connectionString);
        try
        {
            await using var connection = new NpgsqlConnection(builder.ToString());
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsUnreachable(e))
        {
            throw new CouldNotReachException(PostgresAuditVerifier.CannotRead(builder, e), e);
        }
    }

    /// <summary>
    /// The transport failed (refused, reset, DNS, timeout) or the server cannot take connections or has no such
    /// database. Any other server answer (a wrong password, a missing table) is left to the verifier's report.
    /// </summary>
    private static bool IsUnreachable(Exception e) => e switch
    {
        PostgresException p => p.SqlState is PostgresErrorCodes.InvalidCatalogName or PostgresErrorCodes.CannotConnectNow,
        NpgsqlException n => n.InnerException is SocketException or TimeoutException or IOException || n.IsTransient,
        SocketException or TimeoutException => true,
        _ => false,
    };
}
