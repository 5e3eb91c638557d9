using System.Net;
using System.Text.Json;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Telemetry;

/// <summary>
/// <c>GET /v1/admin/stats</c>'s <c>fleet</c>: every node's counts summed from the store, not reset by a node's restart.
/// The nodes are child processes: the server's counters are process-wide, so in-process servers would count each
/// other's votes, and these tests check the sums exactly.
/// </summary>
public sealed class FleetStatsTests : IDisposable
{
    private readonly string _folder = TempDirectory.Create("livevote-fleet-stats");

    public void Dispose() => TempDirectory.Delete(_folder);

    [Fact]
    public async Task Sqlite_RestartedNode_ContinuesItsCounts()
    {
        var database = Path.Combine(_folder, "livevote.db");
        var settings = new Dictionary<string, string> { ["LiveVote__Telemetry__NodeName"] = "solo" };
        string pollId;
        await using (var first = await ServerProcess.StartAsync(database, settings))
        {
            pollId = (await Api.CreateOpenPollAsync(first.Client(admin: true))).Id;
            await VoteAsync(first, pollId, votes: 3, repeats: 1);
            var before = await FleetWhenAsync(first, f => f.Accepted == 3 && f.Repeated == 1);
            Assert.Equal(1, before.Nodes);
            Assert.Equal(1, before.NodesReporting);

            // A clean stop stores the last second's counts.
            first.Terminate();
            await first.WaitForExitAsync();
        }

        await using var restarted = await ServerProcess.StartAsync(database, settings);
        var resumed = await FleetWhenAsync(restarted, f => f.Accepted == 3);
        Assert.Equal(1, resumed.Repeated);
        Assert.Equal(1, resumed.Nodes);

        await VoteAsync(restarted, pollId, votes: 2, repeats: 0);
        var after = await FleetWhenAsync(restarted, f => f.Accepted == 5);
        Assert.Equal(1, after.Repeated);
        Assert.Equal(1, after.Nodes);

        // The node's own figures still count from its start; the fleet's go on from before it.
        Assert.Equal(2, (await StatsAsync(restarted)).GetProperty("totalAccepted").GetInt64());
    }

    /// <summary>
    /// Rows of other nodes (written here as they would): all count in the sums, only fresh ones (last 10 s) in
    /// nodesReporting and votes/s. The node's own row is named after its machine and port by default.
    /// </summary>
    [Fact]
    public async Task FleetFigures_SumEveryRow_ButOnlyFreshRowsReportARate()
    {
        await using var server = new LiveVoteServer();
        var admin = server.AdminClient();
        var ownName = Environment.MachineName + ":" + admin.BaseAddress!.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await FleetWhenAsync(admin, f => f.Nodes == 1);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={server.DatabasePath}"))
        {
            connection.Open();
            using var insert = connection.CreateCommand();
            insert.CommandText = $"""
                INSERT INTO node_counters VALUES ('fresh', 1000000, 20, 30, 40, 1000000.0, {now});
                INSERT INTO node_counters VALUES ('stopped', 5000000, 200, 300, 400, 1000000000.0, {now - 60_000});
                """;
            insert.ExecuteNonQuery();
        }

        var fleet = await FleetWhenAsync(admin, f => f.Nodes == 3);
        var rate = (await StatsAsync(admin)).GetProperty("fleet").GetProperty("votesPerSecond").GetDouble();

        Assert.Equal(2, fleet.NodesReporting);
        Assert.True(fleet.Accepted >= 6_000_000, fleet.ToString());
        Assert.True(fleet.Repeated >= 220 && fleet.Throttled >= 330 && fleet.Flagged >= 440, fleet.ToString());
        Assert.True(rate is >= 1_000_000 and < 1_000_000_000, $"votesPerSecond {rate}");

        // Written every second, without a request asking.
        Assert.True(await PrometheusServer.EventuallyAsync(() => Task.FromResult(StoredNodes(server.DatabasePath).Contains(ownName)), 10_000),
            $"no row {ownName}: {string.Join(", ", StoredNodes(server.DatabasePath))}");
    }

    private static List<string> StoredNodes(string database)
    {
        using var read = StoreFile.OpenReadOnly(database);
        using var names = read.CreateCommand();
        names.CommandText = "SELECT node FROM node_counters ORDER BY node";
        using var reader = names.ExecuteReader();
        var stored = new List<string>();
        while (reader.Read())
        {
            stored.Add(reader.GetString(0));
        }

        return stored;
    }

    [Fact]
    public async Task Postgres_TwoNodes_AreSummed_AndARestartedNodeContinuesItsCounts()
    {
        await using var postgres = await PostgresServer.StartAsync();
        var a = await StartNodeAsync(postgres, "node-a", "a");
        await using var disposeA = a;
        ServerProcess? b = await StartNodeAsync(postgres, "node-b", "b");
        try
        {
            var pollId = (await Api.CreateOpenPollAsync(a.Client(admin: true))).Id;
            await WaitUntilOpenAsync(b, pollId);
            await VoteAsync(a, pollId, votes: 3, repeats: 1);
            await VoteAsync(b, pollId, votes: 2, repeats: 2);

            // Either node answers for the whole fleet.
            foreach (var node in new[] { a, b })
            {
                var fleet = await FleetWhenAsync(node, f => f.Accepted == 5 && f.Repeated == 3);
                Assert.Equal(2, fleet.Nodes);
                Assert.Equal(2, fleet.NodesReporting);
            }

            b.Terminate();
            await b.WaitForExitAsync();
            await b.DisposeAsync();
            b = null;
            b = await StartNodeAsync(postgres, "node-b", "b");

            // The restarted node goes on from its stored row: nothing lost, nothing counted twice, still two nodes.
            var resumed = await FleetWhenAsync(b, f => f.Accepted == 5 && f.Repeated == 3 && f.NodesReporting == 2);
            Assert.Equal(2, resumed.Nodes);
            await VoteAsync(b, pollId, votes: 1, repeats: 0);
            var after = await FleetWhenAsync(a, f => f.Accepted == 6);
            Assert.Equal(3, after.Repeated);
            Assert.Equal(2, after.Nodes);
            Assert.Equal(1, (await StatsAsync(b)).GetProperty("totalAccepted").GetInt64());
        }
        finally
        {
            if (b is not null)
            {
                await b.DisposeAsync();
            }
        }
    }

    private Task<ServerProcess> StartNodeAsync(PostgresServer postgres, string name, string folder)
    {
        Directory.CreateDirectory(Path.Combine(_folder, folder));
        return ServerProcess.StartAsync(Path.Combine(_folder, folder, "unused.db"), new Dictionary<string, string>
        {
            ["LiveVote__Storage"] = "Postgres",
            ["LiveVote__Postgres__ConnectionString"] = postgres.ConnectionString(),
            ["LiveVote__CaptchaHmacKey"] = LiveVoteServer.CaptchaHmacKey,
            ["LiveVote__RateLimits__Enabled"] = "false",
            ["LiveVote__Risk__Enabled"] = "false",
            ["LiveVote__Telemetry__NodeName"] = name,
        });
    }

    /// <summary><paramref name="votes"/> new viewers vote once each; the first <paramref name="repeats"/> of them send their vote again.</summary>
    private static async Task VoteAsync(ServerProcess node, string pollId, int votes, int repeats)
    {
        var admin = node.Client(admin: true);
        var client = node.Client();
        var viewers = await Task.WhenAll(Enumerable.Range(0, votes).Select(_ => Api.RegisterAsync(admin)));
        foreach (var viewer in viewers)
        {
            Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(client, pollId, viewer.Token, "a")).StatusCode);
        }

        foreach (var viewer in viewers.Take(repeats))
        {
            Assert.Equal(HttpStatusCode.OK, (await Api.VoteAsync(client, pollId, viewer.Token, "a")).StatusCode);
        }
    }

    private static async Task WaitUntilOpenAsync(ServerProcess node, string pollId)
    {
        var open = await PrometheusServer.EventuallyAsync(async () =>
        {
            using var response = await node.Client().GetAsync($"/v1/polls/{pollId}");
            return response.StatusCode == HttpStatusCode.OK && (await response.Content.ReadAsStringAsync()).Contains("\"open\"", StringComparison.Ordinal);
        }, 15_000);
        Assert.True(open, $"node never saw poll {pollId} open");
    }

    private static Task<Fleet> FleetWhenAsync(ServerProcess node, Func<Fleet, bool> condition) => FleetWhenAsync(node.Client(admin: true), condition);

    private static async Task<Fleet> FleetWhenAsync(HttpClient admin, Func<Fleet, bool> condition)
    {
        Fleet? last = null;
        var reached = await PrometheusServer.EventuallyAsync(async () =>
        {
            var fleet = (await StatsAsync(admin)).GetProperty("fleet");
            last = fleet.ValueKind == JsonValueKind.Null ? null : new Fleet(
                fleet.GetProperty("nodes").GetInt32(), fleet.GetProperty("nodesReporting").GetInt32(), fleet.GetProperty("accepted").GetInt64(),
                fleet.GetProperty("repeated").GetInt64(), fleet.GetProperty("throttled").GetInt64(), fleet.GetProperty("flagged").GetInt64());
            return last is not null && condition(last);
        }, 20_000);
        Assert.True(reached, $"fleet figures never reached the expected values; last: {last}");
        return last!;
    }

    private static Task<JsonElement> StatsAsync(ServerProcess node) => StatsAsync(node.Client(admin: true));

    private static async Task<JsonElement> StatsAsync(HttpClient admin)
    {
        using var response = await admin.GetAsync("/v1/admin/stats");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private sealed record Fleet(int Nodes, int NodesReporting, long Accepted, long Repeated, long Throttled, long Flagged);
}
