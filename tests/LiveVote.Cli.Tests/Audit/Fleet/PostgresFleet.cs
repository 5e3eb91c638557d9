using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using LiveVote.Server.Audit;
using LiveVote.Server.Polls;
using LiveVote.Server.Tests.Infrastructure;
using LiveVote.Server.Votes;

namespace LiveVote.Cli.Tests.Audit.Fleet;

/// <summary>One vote of the fleet's data: who, where they live, and what they chose.</summary>
public sealed record FleetVote(VoterKey Voter, int Partition, int Option);

/// <summary>
/// A fleet of three clusters (three databases of one throwaway PostgreSQL server), written cluster by cluster through
/// the server's own writing path (<see cref="ClusterWriter"/>) as a node spread over three partitions writes them: each
/// cluster's identity records its partition index and the fleet map (what a node's map check records), every poll
/// change goes to every cluster, and each vote to the cluster its voter maps to (the server's VoterPartitioner). One poll
/// is voted and closed, one is still open; each cluster's chain heads are bound by a checkpoint. Each test verifies (or
/// changes) its own copy of the three databases (<see cref="CopyAsync"/>).
/// </summary>
public sealed class PostgresFleet : IAsyncLifetime
{
    public const int Clusters = 3;
    private PostgresServer? _postgres;
    private int _copies;

    public Poll ClosedPoll { get; private set; } = null!;

    public Poll OpenPoll { get; private set; } = null!;

    public IReadOnlyList<FleetVote> ClosedPollVotes { get; private set; } = [];

    public IReadOnlyList<FleetVote> OpenPollVotes { get; private set; } = [];

    public IReadOnlyList<string> ClusterIds { get; private set; } = [];

    private PostgresServer Postgres => _postgres ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.StartAsync();
        var sources = Enumerable.Range(0, Clusters).Select(Source).ToList();
        foreach (var source in sources)
        {
            await ExecuteAsync("postgres", $"CREATE DATABASE {source}");
        }

        var writers = new List<ClusterWriter>();
        try
        {
            foreach (var source in sources)
            {
                writers.Add(await ClusterWriter.OpenAsync(ConnectionString(source)));
            }

            await MapAsync(sources);
            var now = DateTimeOffset.UtcNow;
            ImmutableArray<PollOption> options = [new("a", "Alpha"), new("b", "Bravo"), new("c", "Charlie")];
            var closed = new Poll("fleetfinal", "Final vote", options, PollStatus.Draft, now, null, null) { PartitionCount = Clusters };
            var open = new Poll("fleetlive", "Still open", options, PollStatus.Draft, now, null, null) { PartitionCount = Clusters };
            (ClosedPoll, ClosedPollVotes) = await RunPollAsync(writers, closed, voters: 30, salt: "final", close: true);
            (OpenPoll, OpenPollVotes) = await RunPollAsync(writers, open, voters: 12, salt: "live", close: false);
            foreach (var writer in writers)
            {
                await writer.CheckpointAsync();
            }
        }
        finally
        {
            foreach (var writer in writers)
            {
                await writer.DisposeAsync();
            }
        }

        // End any connection left so the databases can serve as templates.
        await ExecuteAsync("postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname LIKE 'fleet%' AND pid <> pg_backend_pid()");
    }

    public async Task DisposeAsync()
    {
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }

    /// <summary>The voter key of a (deterministic) viewer: uniform like the HMAC keys the server derives.</summary>
    public static VoterKey Voter(string name) => VoterKey.Read(SHA256.HashData(Encoding.UTF8.GetBytes("fleet-voter-" + name)));

    /// <summary>A fresh copy of the three clusters; their connection strings in partition order.</summary>
    public async Task<string[]> CopyAsync()
    {
        var copy = Interlocked.Increment(ref _copies);
        var copies = new string[Clusters];
        for (var i = 0; i < Clusters; i++)
        {
            var name = $"copy{copy}p{i}";
            await ExecuteAsync("postgres", $"CREATE DATABASE {name} TEMPLATE {Source(i)}");
            copies[i] = ConnectionString(name);
        }

        return copies;
    }

    /// <summary>An empty database as a node's migrations leave it (a cluster no node has mapped).</summary>
    public async Task<string> EmptyClusterAsync()
    {
        var name = $"empty{Interlocked.Increment(ref _copies)}";
        await ExecuteAsync("postgres", $"CREATE DATABASE {name}");
        await using var writer = await ClusterWriter.OpenAsync(ConnectionString(name));
        return ConnectionString(name);
    }

    private static string Source(int partition) => $"fleet{partition}";

    private string ConnectionString(string database) =>
        Postgres.ConnectionString(database).Replace("Pooling=true", "Pooling=false", StringComparison.Ordinal);

    private Task ExecuteAsync(string database, string sql) => PostgresVotedStore.ExecuteOnAsync(ConnectionString(database), sql);

    /// <summary>Records in every cluster its partition index and the fleet map, as a node's map check does at start.</summary>
    private async Task MapAsync(List<string> sources)
    {
        var ids = new List<string>();
        foreach (var source in sources)
        {
            var rows = await PostgresVotedStore.QueryAsync(ConnectionString(source), "SELECT cluster_id::text FROM cluster_identity");
            ids.Add((string)Assert.Single(rows)[0]);
        }

        ClusterIds = ids;
        for (var i = 0; i < sources.Count; i++)
        {
            await ExecuteAsync(sources[i], $"UPDATE cluster_identity SET partition_index = {i}, map = '{string.Join(',', ids)}'");
        }
    }

    /// <summary>Creates and opens the poll in every cluster, votes (each voter in its own cluster), closes it if asked.</summary>
    private static async Task<(Poll Poll, List<FleetVote> Votes)> RunPollAsync(List<ClusterWriter> writers, Poll poll, int voters, string salt, bool close)
    {
        foreach (var writer in writers)
        {
            await writer.ChangeAsync(poll, AuditKinds.PollCreated);
        }

        poll = poll.MoveTo(PollStatus.Open, DateTimeOffset.UtcNow);
        foreach (var writer in writers)
        {
            await writer.ChangeAsync(poll, AuditKinds.PollOpened);
        }

        var votes = new List<FleetVote>();
        for (var i = 0; i < voters; i++)
        {
            var voter = Voter($"{salt}-{i}");
            var vote = new FleetVote(voter, VoterPartitioner.PartitionOf(voter, poll.PartitionCount), i % poll.Options.Length);
            Assert.Equal(VoteOutcome.Accepted, await writers[vote.Partition].VoteAsync(poll, voter, vote.Option));
            votes.Add(vote);
        }

        Assert.All(Enumerable.Range(0, writers.Count), p => Assert.Contains(votes, v => v.Partition == p));
        if (close)
        {
            poll = poll.MoveTo(PollStatus.Closed, DateTimeOffset.UtcNow);
            foreach (var writer in writers)
            {
                await writer.ChangeAsync(poll, AuditKinds.PollClosed);
            }
        }

        return (poll, votes);
    }
}
