namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// Several LiveVote nodes (in-process, real Kestrel on loopback) sharing one throwaway PostgreSQL cluster, with rate
/// limits and risk scoring off so tests drive them hard from one address; torn down together.
/// </summary>
public sealed class PostgresFleet : IAsyncDisposable
{
    private PostgresFleet(PostgresServer postgres, IReadOnlyList<LiveVoteServer> nodes)
    {
        Postgres = postgres;
        Nodes = nodes;
    }

    public PostgresServer Postgres { get; }

    public IReadOnlyList<LiveVoteServer> Nodes { get; }

    public static async Task<PostgresFleet> StartAsync(int nodes = 3, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var postgres = await PostgresServer.StartAsync();
        var started = new List<LiveVoteServer>();
        try
        {
            for (var i = 0; i < nodes; i++)
            {
                var configuration = new Dictionary<string, string?>
                {
                    ["LiveVote:Storage"] = "Postgres",
                    ["LiveVote:Postgres:ConnectionString"] = postgres.ConnectionString(),
                    ["LiveVote:RateLimits:Enabled"] = "false",
                    ["LiveVote:Risk:Enabled"] = "false",
                };
                foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
                {
                    configuration[key] = value;
                }

                started.Add(new LiveVoteServer(configuration));
            }
        }
        catch
        {
            await new PostgresFleet(postgres, started).DisposeAsync();
            throw;
        }

        return new PostgresFleet(postgres, started);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            node.Dispose();
        }

        await Postgres.DisposeAsync();
    }
}
