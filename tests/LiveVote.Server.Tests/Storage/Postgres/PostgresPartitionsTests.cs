using System.Net;
using System.Net.Http.Json;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LiveVote.Server.Tests.Storage.Postgres;

/// <summary>
/// <c>LiveVote:Postgres:Partitions</c>: one entry runs like <c>ConnectionString</c> (on a real PostgreSQL); two spread
/// voters over two clusters; a list the clusters disagree with, or settings naming different clusters, stop the node at
/// start with the reason.
/// </summary>
public sealed class PostgresPartitionsTests
{
    private const string Unreachable = "Host=127.0.0.1;Port=9;Username=postgres;Database=livevote";
    private const string OtherUnreachable = "Host=127.0.0.1;Port=10;Username=postgres;Database=livevote";

    [Fact]
    public void Server_WithTheSameClusterListedTwice_RefusesToStart()
    {
        var error = Record.Exception(() => new LiveVoteServer(new()
        {
            ["LiveVote:Storage"] = "Postgres",
            ["LiveVote:Postgres:Partitions:0"] = Unreachable,
            ["LiveVote:Postgres:Partitions:1"] = Unreachable,
        }).Dispose());

        var validation = Assert.IsType<OptionsValidationException>(error);
        Assert.Contains("the same connection string twice", validation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_WithTwoPartitions_SpreadsVotersOverBothClustersAndSumsTheirTotals()
    {
        await using var postgres = await PostgresServer.StartAsync();
        await CreateDatabaseAsync(postgres, "second");
        await using var server = new LiveVoteServer(new()
        {
            ["LiveVote:Storage"] = "Postgres",
            ["LiveVote:Postgres:Partitions:0"] = postgres.ConnectionString(),
            ["LiveVote:Postgres:Partitions:1"] = postgres.ConnectionString("second"),
            ["LiveVote:RateLimits:Enabled"] = "false",
            ["LiveVote:Risk:Enabled"] = "false",
        });
        var admin = server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin, "a", "b");
        var viewers = await Api.RegisterManyAsync(admin, 40);
        var client = server.Client();
        var answers = await Task.WhenAll(viewers.Select(async (v, i) => await Api.VoteWithRetryAsync(client, poll.Id, v.Token, i % 2 == 0 ? "a" : "b")));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Created, a.StatusCode));
        var ids = await Task.WhenAll(answers.Select(Api.ReadVoteAsync));

        var results = await Api.ResultsWhenAsync(client, poll.Id, r => r.Total == 40);
        Assert.Equal(20, results.Totals["a"]);
        var first = await CountVotesAsync(postgres.ConnectionString(), poll.Id);
        var second = await CountVotesAsync(postgres.ConnectionString("second"), poll.Id);
        Assert.Equal(40, first + second);
        Assert.True(first > 0 && second > 0, $"votes in partition 0: {first}, in partition 1: {second}");
        Assert.Equal(first, ids.Count(v => v.VoteId.StartsWith("0.", StringComparison.Ordinal)));
        Assert.Equal(second, ids.Count(v => v.VoteId.StartsWith("1.", StringComparison.Ordinal)));
        Assert.Equal(2, await ScalarAsync<int>(postgres.ConnectionString("second"), $"SELECT partition_count FROM polls WHERE id = '{poll.Id}'"));
        Assert.Equal(1, await ScalarAsync<int>(postgres.ConnectionString("second"), "SELECT partition_index FROM cluster_identity"));
        var health = await client.GetFromJsonAsync<HealthDto>("/readyz");
        Assert.Equal([0, 1], health!.Partitions!.Select(p => p.Partition));
    }

    [Fact]
    public async Task Server_WithPartitionsReordered_RefusesToStartSayingSo()
    {
        await using var postgres = await PostgresServer.StartAsync();
        await CreateDatabaseAsync(postgres, "second");
        var settings = new Dictionary<string, string?>
        {
            ["LiveVote:Storage"] = "Postgres",
            ["LiveVote:Postgres:Partitions:0"] = postgres.ConnectionString(),
            ["LiveVote:Postgres:Partitions:1"] = postgres.ConnectionString("second"),
        };
        await using (var first = new LiveVoteServer(settings))
        {
            Assert.Equal(HttpStatusCode.OK, (await first.Client().GetAsync("/readyz")).StatusCode);
        }

        settings["LiveVote:Postgres:Partitions:0"] = postgres.ConnectionString("second");
        settings["LiveVote:Postgres:Partitions:1"] = postgres.ConnectionString();
        var error = Record.Exception(() => new LiveVoteServer(settings).Client());

        Assert.NotNull(error);
        Assert.Contains("reordered", error.ToString(), StringComparison.Ordinal);
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

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static async Task CreateDatabaseAsync(PostgresServer postgres, string name)
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> CountVotesAsync(string connectionString, string pollId) =>
        await ScalarAsync<long>(connectionString, $"SELECT count(*) FROM votes WHERE poll_id = '{pollId}'");

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
