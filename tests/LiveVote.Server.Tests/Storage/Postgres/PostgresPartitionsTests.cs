using System.Net;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LiveVote.Server.Tests.Storage.Postgres;

/// <summary>
/// <c>LiveVote:Postgres:Partitions</c>: one entry runs like <c>ConnectionString</c> (on a real PostgreSQL); more than
/// one, or two settings naming different clusters, stop the node at start with the reason, since spreading voters
/// over several clusters is planned, not built.
/// </summary>
public sealed class PostgresPartitionsTests
{
    private const string Unreachable = "Host=127.0.0.1;Port=9;Username=postgres;Database=livevote";
    private const string OtherUnreachable = "Host=127.0.0.1;Port=10;Username=postgres;Database=livevote";

    [Fact]
    public void Server_WithTwoPartitions_RefusesToStartSayingSeveralClustersArePlanned()
    {
        var error = Record.Exception(() => new LiveVoteServer(new()
        {
            ["LiveVote:Storage"] = "Postgres",
            ["LiveVote:Postgres:Partitions:0"] = Unreachable,
            ["LiveVote:Postgres:Partitions:1"] = OtherUnreachable,
        }).Dispose());

        var validation = Assert.IsType<OptionsValidationException>(error);
        Assert.Contains("LiveVote:Postgres:Partitions lists 2 clusters", validation.Message, StringComparison.Ordinal);
        Assert.Contains("planned", validation.Message, StringComparison.Ordinal);
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
}
