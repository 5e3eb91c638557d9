using System.Net;
using System.Text.Json;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Telemetry;

/// <summary>GET /v1/admin/stats: the producer console's figures, read from the server's meter.</summary>
public sealed class AdminStatsTests
{
    [Fact]
    public async Task AdminStats_WithoutAdminKey_Is401AdminKeyRequired()
    {
        await using var server = new LiveVoteServer();

        using var response = await server.Client().GetAsync("/v1/admin/stats");

        await ProblemAssert.IsAsync(response, HttpStatusCode.Unauthorized, "admin-key-required");
    }

    [Fact]
    public async Task AdminStats_FiguresMoveAfterVotes()
    {
        await using var server = new LiveVoteServer(new Dictionary<string, string?> { ["LiveVote:Ingest:QueueCapacity"] = "4096" });
        var admin = server.AdminClient();
        var before = await StatsAsync(admin);
        Assert.True(before.GetProperty("queueCapacity").GetInt64() >= 4096, before.ToString());
        Assert.True(before.GetProperty("queueDepth").GetInt64() >= 0);

        var poll = await Api.CreateOpenPollAsync(admin);
        const int votes = 8;
        var viewers = await Api.RegisterManyAsync(admin, votes);
        var client = server.Client();
        foreach (var viewer in viewers)
        {
            Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(client, poll.Id, viewer.Token, "a")).StatusCode);
        }

        // The same vote again is a duplicate; another option is already-voted: both are repeats that do not count.
        Assert.Equal(HttpStatusCode.OK, (await Api.VoteAsync(client, poll.Id, viewers[0].Token, "a")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await Api.VoteAsync(client, poll.Id, viewers[1].Token, "b")).StatusCode);

        JsonElement after = default;
        var moved = await PrometheusServer.EventuallyAsync(async () =>
        {
            after = await StatsAsync(admin);
            return after.GetProperty("totalAccepted").GetInt64() >= before.GetProperty("totalAccepted").GetInt64() + votes
                && after.GetProperty("duplicatesRefused").GetInt64() >= before.GetProperty("duplicatesRefused").GetInt64() + 2
                && after.GetProperty("votesPerSecond").GetDouble() > 0;
        }, 15_000);

        Assert.True(moved, "Stats did not move: before " + before + ", after " + after);
    }

    [Fact]
    public async Task AdminStats_CountVotesCastBeforeTheFirstStatsRequest()
    {
        await using var server = new LiveVoteServer();
        var admin = server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin);
        const int votes = 5;
        foreach (var viewer in await Api.RegisterManyAsync(admin, votes))
        {
            Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(server.Client(), poll.Id, viewer.Token, "a")).StatusCode);
        }

        var stats = await StatsAsync(admin);

        Assert.True(stats.GetProperty("totalAccepted").GetInt64() >= votes, stats.ToString());
    }

    /// <summary>With the embedded SQLite store there is no cluster to describe: the console and readiness say so.</summary>
    [Fact]
    public async Task AdminStatsAndReadiness_WithSqlite_SayTheStoreIsEmbedded()
    {
        await using var server = new LiveVoteServer();

        var stats = await StatsAsync(server.AdminClient());
        using var ready = await server.Client().GetAsync("/readyz");
        var health = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal("embedded", stats.GetProperty("store").GetProperty("status").GetString());
        Assert.Equal(0, stats.GetProperty("store").GetProperty("syncStandbys").GetArrayLength());
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("embedded", health.GetProperty("store").GetProperty("status").GetString());
    }

    /// <summary>One store (SQLite) is one partition: the lists the console reads for several clusters hold just it.</summary>
    [Fact]
    public async Task AdminStatsAndReadiness_WithOneStore_ListOnePartitionAndOneQueue()
    {
        await using var server = new LiveVoteServer(new Dictionary<string, string?> { ["LiveVote:Ingest:QueueCapacity"] = "4321" });

        var stats = await StatsAsync(server.AdminClient());
        using var ready = await server.Client().GetAsync("/readyz");
        var health = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement;

        var partition = Assert.Single(stats.GetProperty("partitions").EnumerateArray().ToList());
        Assert.Equal("embedded", partition.GetProperty("status").GetString());
        Assert.Equal(0, partition.GetProperty("partition").GetInt32());
        var queue = Assert.Single(stats.GetProperty("queues").EnumerateArray().ToList());
        Assert.Equal(0, queue.GetProperty("partition").GetInt32());
        Assert.Equal(4321, queue.GetProperty("capacity").GetInt32());
        Assert.Equal(4321, stats.GetProperty("queueCapacity").GetInt64());
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("embedded", Assert.Single(health.GetProperty("partitions").EnumerateArray().ToList()).GetProperty("status").GetString());
    }

    private static async Task<JsonElement> StatsAsync(HttpClient admin)
    {
        using var response = await admin.GetAsync("/v1/admin/stats");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }
}
