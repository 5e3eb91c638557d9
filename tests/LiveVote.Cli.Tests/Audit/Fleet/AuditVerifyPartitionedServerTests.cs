using System.Net;
using LiveVote.Cli.Audit.Fleet;
using LiveVote.Cli.Tests.Infrastructure;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Cli.Tests.Audit.Fleet;

/// <summary>
/// End to end: a real node spread over two partitions (two databases as clusters) takes a poll's votes, freezes its
/// results on air (one count from the summed totals, recorded in both clusters) and closes it; then <c>audit verify</c>
/// with both clusters, partition 0 first, passes: the server's own identities, map, poll fan-out, routing and freezes
/// agree with the independent verifier.
/// </summary>
public sealed class AuditVerifyPartitionedServerTests
{
    [Fact]
    public async Task Verify_FleetATwoPartitionNodeWrote_PassesWithTheVotesSummedOverBothClusters()
    {
        await using var postgres = await PostgresServer.StartAsync();
        string[] clusters = ["part0", "part1"];
        foreach (var cluster in clusters)
        {
            await PostgresVotedStore.ExecuteOnAsync(Unpooled(postgres, "postgres"), $"CREATE DATABASE {cluster}");
        }

        var settings = new Dictionary<string, string?>
        {
            ["LiveVote:Storage"] = "Postgres",
            ["LiveVote:Postgres:Partitions:0"] = postgres.ConnectionString(clusters[0]),
            ["LiveVote:Postgres:Partitions:1"] = postgres.ConnectionString(clusters[1]),
            ["LiveVote:RateLimits:Enabled"] = "false",
            ["LiveVote:Risk:Enabled"] = "false",
            ["LiveVote:Postgres:CheckpointIntervalSeconds"] = "1",
        };
        const int Voters = 24;
        string pollId;
        await using (var node = new LiveVoteServer(settings))
        {
            var admin = node.AdminClient();
            var poll = await Api.CreateOpenPollAsync(admin, "a", "b");
            pollId = poll.Id;
            var viewers = await Api.RegisterManyAsync(admin, Voters);
            for (var i = 0; i < Voters; i++)
            {
                var response = await Api.VoteWithRetryAsync(node.Client(), poll.Id, viewers[i].Token, i % 3 == 0 ? "a" : "b");
                Assert.True(response.StatusCode == HttpStatusCode.Created, $"vote {i}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }

            await PresentationApi.LiveWhenAsync(admin, poll.Id, r => r.Total == Voters, timeoutMs: 60_000);
            (await PresentationApi.FreezeAsync(admin, poll.Id)).EnsureSuccessStatusCode();
            (await Api.ClosePollAsync(admin, poll.Id)).EnsureSuccessStatusCode();
        }

        var connectionStrings = clusters.Select(c => Unpooled(postgres, c)).ToArray();
        var result = await CliRunner.RunAsync("audit", "verify", "--postgres", connectionStrings[0], "--postgres", connectionStrings[1]);

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains("Partition 1:", result.Output, StringComparison.Ordinal);
        var report = FleetAuditVerifier.Verify(connectionStrings);
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.Equal(2, report.ClusterMap.Count);
        Assert.Equal(report.ClusterMap, report.Partitions.Select(p => p.ClusterId));
        Assert.Equal(Voters, report.PlacedVoteRows);
        var fleetPoll = Assert.Single(report.Polls, p => p.Id == pollId);
        Assert.Equal("closed", fleetPoll.Status);
        Assert.Equal(Voters, fleetPoll.Votes);
        Assert.Equal(["a=8", "b=16"], fleetPoll.Options.Select(o => $"{o.Id}={o.Votes}"));
        // 24 HMAC-derived voters over two partitions: both clusters hold some (all in one has odds of 2 in 2^24).
        Assert.All(fleetPoll.Partitions, p => Assert.InRange(p.Votes, 1, Voters - 1));
        Assert.All(report.Partitions, p => Assert.Contains(p.Report.EntriesByKind, k => k.Kind == "results-frozen" && k.Entries == 1));
    }

    private static string Unpooled(PostgresServer postgres, string database) =>
        postgres.ConnectionString(database).Replace("Pooling=true", "Pooling=false", StringComparison.Ordinal);
}
