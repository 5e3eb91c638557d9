using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// One LiveVote node on PostgreSQL (in process, real Kestrel), its connections named after it (<c>Application Name</c>)
/// so a test can find its backends in <c>pg_stat_activity</c>; rate limits and risk scoring off, as in
/// <see cref="PostgresFleet"/>, and audit checkpoints rare so that no background commit mixes with the writer's.
/// </summary>
public static class PostgresNode
{
    public static LiveVoteServer Start(
        string connectionString, string name, IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? configureServices = null)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["LiveVote:Storage"] = "Postgres",
            ["LiveVote:Postgres:ConnectionString"] = Named(connectionString, name),
            ["LiveVote:Postgres:CheckpointIntervalSeconds"] = "3600",
            ["LiveVote:RateLimits:Enabled"] = "false",
            ["LiveVote:Risk:Enabled"] = "false",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        return new LiveVoteServer(configuration, configureServices);
    }

    /// <summary>The connection string with <paramref name="name"/> as the application name of its sessions.</summary>
    public static string Named(string connectionString, string name) =>
        new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = name }.ConnectionString;

    /// <summary>A bearer token for a made-up viewer, signed like the server's own (no registration round trip).</summary>
    public static string ViewerToken(string viewerId) => TestTokens.Create(viewerId, DateTimeOffset.UtcNow.AddHours(2));
}
