using System.Net;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LiveVote.Server.Tests.Storage.Postgres;

/// <summary>
/// <c>LiveVote:Postgres:Partitions</c>: one entry runs like <c>ConnectionString</c> (on a real PostgreSQL); two
/// settings naming different clusters, or a map the clusters disagree with (reordered, a partition missing, another
/// database at an index: <c>ClusterMapCheck</c>), stop the node at start with the reason, and change nothing the
/// clusters record.
/// </summary>
public sealed class PostgresPartitionsTests
{
    private const string Unreachable = "Host=127.0.0.1;Port=9;Username=postgres;Database=livevote";
    private const string OtherUnreachable = "Host=127.0.0.1;Port=10;Username=postgres;Database=livevote";

    [Theory]
    [InlineData(MapChange.Reordered)]
    [InlineData(MapChange.PartitionMissing)]
    [InlineData(MapChange.OtherDatabaseAtAnIndex)]
    public async Task Server_WithAMapDisagreeingWithTheClusters_RefusesToStartNamingTheProblemAndChangesNothing(MapChange change)
    {
        // Two clusters mapped by a first node; a third database never mapped.
        await using var fleet = await MultiClusterFleet.StartAsync(clusters: 2, nodes: 1);
        var (first, second) = (fleet.Clusters[0], fleet.Clusters[1]);
        var other = await fleet.CreateDatabaseAsync();
        await fleet.StopNodesAsync();
        var recorded = new[] { await ClusterRows.IdentityAsync(first), await ClusterRows.IdentityAsync(second) };
        var map = $"{recorded[0].ClusterId},{recorded[1].ClusterId}";
        Assert.All(recorded, r => Assert.Equal(map, r.Map));

        string[] disagreeing = change switch
        {
            MapChange.Reordered => [second, first],
            MapChange.PartitionMissing => [first],
            _ => [first, other],
        };
        var error = Record.Exception(() => new LiveVoteServer(MultiClusterFleet.NodeSettings(disagreeing)).Dispose());

        Assert.NotNull(error);
        var message = Messages(error);
        foreach (var expected in ExpectedWords(change, recorded))
        {
            Assert.Contains(expected, message, StringComparison.OrdinalIgnoreCase);
        }

        // The refusal changed nothing: both clusters keep their index and map; the unmapped database stays unmapped.
        Assert.Equal(recorded, new[] { await ClusterRows.IdentityAsync(first), await ClusterRows.IdentityAsync(second) });
        if (change == MapChange.OtherDatabaseAtAnIndex)
        {
            var untouched = await ClusterRows.IdentityAsync(other);
            Assert.Null(untouched.PartitionIndex);
            Assert.Null(untouched.Map);
        }

        // And the fleet's own map still starts.
        await using var node = new LiveVoteServer(MultiClusterFleet.NodeSettings([first, second]));
        using var ready = await node.Client().GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    public enum MapChange
    {
        Reordered,
        PartitionMissing,
        OtherDatabaseAtAnIndex,
    }

    [Fact]
    public void Server_WithConnectionStringAndPartitionNamingDifferentClusters_RefusesToStart()
    {
        var error = Record.Exception(() => new LiveVoteServer(new()
        {
            ["LiveVote:Storage"] = "Postgres",
            ["LiveVote:Postgres:ConnectionString"] = Unreachable,
            ["LiveVote:Postgres:Partitions:0"] = OtherUnreachable,
        }).Dispose());

        var validation = Assert.IsType<OptionsValidationException>(error);
        Assert.Contains("name different clusters", validation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Server_WithPostgresAndNoCluster_RefusesToStart()
    {
        var error = Record.Exception(() => new LiveVoteServer(new() { ["LiveVote:Storage"] = "Postgres" }).Dispose());

        var validation = Assert.IsType<OptionsValidationException>(error);
        Assert.Contains("LiveVote:Postgres:ConnectionString (or one entry of LiveVote:Postgres:Partitions) is required", validation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_WithOnePartitionEntry_StoresPollsWithOnePartitionAndCountsVotes()
    {
        await using var postgres = await PostgresServer.StartAsync();
        await using (var server = new LiveVoteServer(new()
        {
            ["LiveVote:Storage"] = "Postgres",
            ["LiveVote:Postgres:Partitions:0"] = postgres.ConnectionString(),
            ["LiveVote:RateLimits:Enabled"] = "false",
            ["LiveVote:Risk:Enabled"] = "false",
        }))
        {
            var admin = server.AdminClient();
            var poll = await Api.CreateOpenPollAsync(admin, "a", "b");
            var viewers = await Api.RegisterManyAsync(admin, 20);
            var client = server.Client();
            await Task.WhenAll(viewers.Select(async (v, i) =>
                Assert.Equal(HttpStatusCode.Created, (await Api.VoteWithRetryAsync(client, poll.Id, v.Token, i % 2 == 0 ? "a" : "b")).StatusCode)));

            var results = await Api.ResultsWhenAsync(client, poll.Id, r => r.Total == 20);
            Assert.Equal(20, results.Total);
            Assert.Equal(10, results.Totals["a"]);

            await using var connection = new NpgsqlConnection(postgres.ConnectionString());
            await connection.OpenAsync();
            Assert.Equal(1, await ScalarAsync<int>(connection, $"SELECT partition_count FROM polls WHERE id = '{poll.Id}'"));
            Assert.Equal(20, await ScalarAsync<long>(connection, "SELECT count(*) FROM votes"));
            Assert.Equal(1, await ScalarAsync<long>(connection, "SELECT count(*) FROM schema_migrations WHERE version = 2"));
        }
    }

    /// <summary>Words the refusal must contain to name the problem (the clusters' ids it found where).</summary>
    private static string[] ExpectedWords(MapChange change, ClusterIdentity[] recorded) => change switch
    {
        MapChange.Reordered => ["LiveVote:Postgres:Partitions", recorded[1].ClusterId],
        MapChange.PartitionMissing => ["LiveVote:Postgres:Partitions", recorded[1].ClusterId],
        _ => ["LiveVote:Postgres:Partitions", recorded[1].ClusterId],
    };

    /// <summary>The messages of the exception and every exception inside it: the host may wrap the start's refusal.</summary>
    private static string Messages(Exception error) => error switch
    {
        AggregateException aggregate => string.Join(" | ", aggregate.InnerExceptions.Select(Messages).Prepend(aggregate.Message)),
        { InnerException: { } inner } => error.Message + " | " + Messages(inner),
        _ => error.Message,
    };

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
