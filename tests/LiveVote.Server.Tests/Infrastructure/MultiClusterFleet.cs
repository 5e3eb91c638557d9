using Npgsql;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// LiveVote nodes (in-process, real Kestrel on loopback) whose voters are spread over several PostgreSQL clusters
/// (issue 15): every node is configured with <c>LiveVote:Postgres:Partitions:i</c> = cluster i's connection string,
/// in partition order. For the cheap tests the clusters are databases of one throwaway <see cref="PostgresServer"/>:
/// each database has its own schema, writer chains, checkpoints and cluster identity, which is all a node can tell
/// apart. A test that needs a real failover passes its own clusters (a <see cref="PatroniCluster"/>'s HAProxy
/// address). Rate limits and risk scoring are off so tests drive the nodes hard from one address. <see cref="ClusterRows"/>
/// reads each cluster straight from its database.
/// </summary>
public sealed class MultiClusterFleet : IAsyncDisposable
{
    private readonly IReadOnlyDictionary<string, string?> _settings;
    private readonly List<LiveVoteServer> _nodes = [];
    private readonly List<string> _clusters;
    private readonly int _nodeCount;
    private int _databases;

    private MultiClusterFleet(PostgresServer? postgres, IEnumerable<string> clusters, int nodeCount, IReadOnlyDictionary<string, string?>? settings)
    {
        Postgres = postgres;
        _clusters = [.. clusters];
        _nodeCount = nodeCount;
        _settings = settings ?? new Dictionary<string, string?>();
        _databases = _clusters.Count;
    }

    /// <summary>The server holding the clusters' databases, when the fleet made them (null for clusters passed in).</summary>
    public PostgresServer? Postgres { get; }

    /// <summary>The connection strings the nodes run with, in partition order: cluster i is partition i.</summary>
    public IReadOnlyList<string> Clusters => _clusters;

    public IReadOnlyList<LiveVoteServer> Nodes => _nodes;

    /// <summary><paramref name="clusters"/> databases on one throwaway PostgreSQL, and <paramref name="nodes"/> nodes mapping all of them.</summary>
    public static async Task<MultiClusterFleet> StartAsync(int clusters, int nodes = 3, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var postgres = await PostgresServer.StartAsync();
        var fleet = new MultiClusterFleet(postgres, [], nodes, settings);
        try
        {
            for (var i = 0; i < clusters; i++)
            {
                fleet._clusters.Add(await fleet.CreateDatabaseAsync());
            }

            fleet.StartNodes();
            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync();
            throw;
        }
    }

    /// <summary><paramref name="nodes"/> nodes mapping the given clusters (not owned: the caller disposes them after the fleet).</summary>
    public static async Task<MultiClusterFleet> StartOnAsync(IReadOnlyList<string> clusters, int nodes, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var fleet = new MultiClusterFleet(null, clusters, nodes, settings);
        try
        {
            fleet.StartNodes();
            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync();
            throw;
        }
    }

    /// <summary>What a node of a fleet over <paramref name="clusters"/> is configured with (plus <paramref name="settings"/>).</summary>
    public static Dictionary<string, string?> NodeSettings(IReadOnlyList<string> clusters, IReadOnlyDictionary<string, string?>? settings = null)
    {
        ArgumentNullException.ThrowIfNull(clusters);
        var configuration = new Dictionary<string, string?>
        {
            ["LiveVote:Storage"] = "Postgres",
            ["LiveVote:RateLimits:Enabled"] = "false",
            ["LiveVote:Risk:Enabled"] = "false",
        };
        for (var i = 0; i < clusters.Count; i++)
        {
            configuration[$"LiveVote:Postgres:Partitions:{i}"] = clusters[i];
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        return configuration;
    }

    /// <summary>Another empty database on the fleet's server, not mapped by any node yet: its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var postgres = Postgres ?? throw new InvalidOperationException("The fleet does not own a PostgreSQL server.");
        var name = $"cluster{_databases++}";
        await using var connection = new NpgsqlConnection(postgres.ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return postgres.ConnectionString(name);
    }

    /// <summary>
    /// Stops every node and starts the same number again mapping <paramref name="clusters"/>: a roll of the whole fleet
    /// to a new map (an appended cluster), as an operator does it between polls.
    /// </summary>
    public async Task RestartNodesAsync(IReadOnlyList<string> clusters)
    {
        await StopNodesAsync();
        _clusters.Clear();
        _clusters.AddRange(clusters);
        StartNodes();
    }

    /// <summary>
    /// Restarts node <paramref name="index"/> alone mapping <paramref name="clusters"/>, the others left as they run: a
    /// fleet in the middle of a roll, some nodes on the new map and some still on the old one.
    /// </summary>
    public async Task RestartNodeAsync(int index, IReadOnlyList<string> clusters)
    {
        await _nodes[index].DisposeAsync();
        try
        {
            _nodes[index] = new LiveVoteServer(NodeSettings(clusters, _settings));
        }
        catch
        {
            // Not disposed twice: the stopped node leaves the fleet.
            _nodes.RemoveAt(index);
            throw;
        }

        _clusters.Clear();
        _clusters.AddRange(clusters);
    }

    /// <summary>Waits until every node sees the poll open (a bounded wait: the nodes read the polls every refresh).</summary>
    public async Task WaitUntilOpenOnEveryNodeAsync(string pollId)
    {
        foreach (var node in _nodes)
        {
            var results = await Api.ResultsWhenAsync(node.Client(), pollId, r => r.Status == "open");
            Assert.Equal("open", results.Status);
        }
    }

    /// <summary>
    /// The voter keys of <paramref name="pollId"/> (and through them the partition that owns each viewer's votes), from
    /// the poll's wrapped secret as every cluster holding the poll stores it: they must all hold the same bytes, or two
    /// nodes could place one viewer in two partitions.
    /// </summary>
    public Task<TestVoterKeys> VoterKeysAsync(string pollId) => VoterKeysAsync(_clusters, pollId);

    /// <summary><see cref="VoterKeysAsync(string)"/> over the given cluster databases.</summary>
    public static async Task<TestVoterKeys> VoterKeysAsync(IReadOnlyList<string> clusters, string pollId)
    {
        byte[]? first = null;
        var holders = 0;
        foreach (var cluster in clusters)
        {
            var (found, wrapped) = await ReadPollSecretAsync(cluster, pollId);
            if (!found)
            {
                continue;
            }

            holders++;
            first ??= wrapped ?? [];
            Assert.Equal(Convert.ToHexStringLower(first), Convert.ToHexStringLower(wrapped ?? []));
        }

        Assert.True(holders > 0, $"no cluster holds poll {pollId}");
        return TestVoterKeys.FromWrapped(pollId, first is { Length: > 0 } ? first : null);
    }

    /// <summary>Whether the cluster holds the poll, and its wrapped secret (null: none, a poll from before per-poll keys).</summary>
    private static async Task<(bool Found, byte[]? Wrapped)> ReadPollSecretAsync(string cluster, string pollId)
    {
        await using var connection = new NpgsqlConnection(cluster);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT voter_secret FROM polls WHERE id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = pollId });
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (true, reader.IsDBNull(0) ? null : reader.GetFieldValue<byte[]>(0)) : (false, null);
    }

    /// <summary>The vote id a node answers for a vote stored in <paramref name="partition"/> as (writer, seq) of a poll over <paramref name="partitionCount"/>.</summary>
    public static string VoteId(int partition, int partitionCount, int writer, long seq) =>
        partitionCount > 1 ? $"{partition}.{writer}-{seq}" : $"{writer}-{seq}";

    /// <summary>Stops every node (the clusters stay): a test then starts nodes of its own on them.</summary>
    public async Task StopNodesAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        _nodes.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await StopNodesAsync();
        if (Postgres is not null)
        {
            await Postgres.DisposeAsync();
        }
    }

    private void StartNodes()
    {
        for (var i = 0; i < _nodeCount; i++)
        {
            _nodes.Add(new LiveVoteServer(NodeSettings(_clusters, _settings)));
        }
    }
}
