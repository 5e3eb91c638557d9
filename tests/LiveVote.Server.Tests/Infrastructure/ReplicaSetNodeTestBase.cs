namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// One LiveVote node on a fresh three-zone <see cref="PostgresReplicaSet"/> per test, torn down node first: the
/// lifetime shared by the tests that stop standbys or kill the primary under one node.
/// </summary>
public abstract class ReplicaSetNodeTestBase(string nodeName) : IAsyncLifetime
{
    private PostgresReplicaSet? _zones;
    private LiveVoteServer? _server;

    protected PostgresReplicaSet Zones => _zones ?? throw new InvalidOperationException("The replica set is not started.");

    protected LiveVoteServer Server => _server ?? throw new InvalidOperationException("The node is not started.");

    public async Task InitializeAsync()
    {
        _zones = await PostgresReplicaSet.StartAsync();
        _server = PostgresNode.Start(_zones.MultiHostConnectionString, nodeName);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_zones is not null)
        {
            await _zones.DisposeAsync();
        }
    }
}
