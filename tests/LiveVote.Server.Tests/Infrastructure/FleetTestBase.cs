namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>A fleet of LiveVote nodes on one throwaway PostgreSQL, started before each test of the class and stopped after it.</summary>
public abstract class FleetTestBase(IReadOnlyDictionary<string, string?>? settings = null) : IAsyncLifetime
{
    private PostgresFleet? _fleet;

    protected PostgresFleet Fleet => _fleet ?? throw new InvalidOperationException("The fleet has not started.");

    protected IReadOnlyList<LiveVoteServer> Nodes => Fleet.Nodes;

    public async Task InitializeAsync() => _fleet = await PostgresFleet.StartAsync(settings: settings);

    public async Task DisposeAsync()
    {
        if (_fleet is not null)
        {
            await _fleet.DisposeAsync();
        }
    }
}
