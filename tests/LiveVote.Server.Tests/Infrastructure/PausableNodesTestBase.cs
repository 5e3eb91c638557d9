namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// Named LiveVote nodes on one throwaway PostgreSQL, started before each test and stopped after it; the first node's
/// commits can be held open mid-transaction (<see cref="PostgresCommitPause"/>).
/// </summary>
public abstract class PausableNodesTestBase(params string[] names) : IAsyncLifetime
{
    private readonly List<LiveVoteServer> _nodes = [];
    private PostgresServer? _postgres;

    protected IReadOnlyList<string> Names => names;

    protected IReadOnlyList<LiveVoteServer> Nodes => _nodes;

    protected string ConnectionString => (_postgres ?? throw new InvalidOperationException("PostgreSQL has not started.")).ConnectionString();

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.StartAsync();
        for (var i = 0; i < names.Length; i++)
        {
            _nodes.Add(PostgresNode.Start(i == 0 ? ConnectionString + ";" + PostgresCommitPause.ConnectionOption : ConnectionString, names[i]));
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }
}
