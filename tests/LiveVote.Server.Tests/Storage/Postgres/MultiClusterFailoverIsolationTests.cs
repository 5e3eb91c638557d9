using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace LiveVote.Server.Tests.Storage.Postgres;

/// <summary>
/// One cluster fails over while the other carries on (issue 15, design.md section 11 "When one cluster fails over"):
/// partition 0 is a plain PostgreSQL database, partition 1 a Patroni cluster behind HAProxy; two nodes map both. Under
/// steady load from voters of both clusters the Patroni cluster's primary node is killed. Only its voters see 503 +
/// Retry-After until Patroni promotes the synchronous standby; the other cluster's voters see no error at all; every
/// acknowledged vote is stored exactly once in its voter's cluster. A poll closed meanwhile is closed at once in the
/// healthy cluster (the producer answered 503) and reaches the failed-over one in the background.
/// </summary>
[Collection(PatroniClusters.Name)]
public sealed class MultiClusterFailoverIsolationTests(ITestOutputHelper output)
{
    private const int ViewerCount = 120;
    private const int PollCount = 300;
    private const int Healthy = 0;
    private const int FailingOver = 1;
    private static readonly TimeSpan ThinkTime = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LoadBeforeKill = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan LoadAfterRecovery = TimeSpan.FromSeconds(4);

    /// <summary>Generous: only stops a hung test (a node loss is bounded by Patroni's ttl of 20 s plus a standby's catch-up).</summary>
    private static readonly TimeSpan Recovery = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task FailoverOfOneCluster_OnlyItsVotersSee503AndTheOtherClustersVotersNoErrorAndEveryAnsweredVoteIsStored()
    {
        await using var plain = await PostgresServer.StartAsync();
        await using var patroni = await PatroniCluster.StartAsync();
        output.WriteLine($"cluster {patroni.Scope} writable through HAProxy after {patroni.BootTime.TotalSeconds:F1}s: {await patroni.StateAsync()}");
        string[] clusters = [plain.ConnectionString(), patroni.HaproxyConnectionString];
        await using var fleet = await MultiClusterFleet.StartOnAsync(clusters, nodes: 2, new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Error",

            // Every batch of the failing cluster fails while it has no primary, by design (answered 503).
            ["Logging:LogLevel:LiveVote.Server.Ingest.BatchWriter"] = "Critical",
        });

        var load = await VoteLoad.PrepareAsync(fleet.Nodes, ViewerCount, PollCount, ThinkTime);

        // A poll nobody in the load votes on, closed by the producer while the Patroni cluster has no primary.
        var admin = fleet.Nodes[0].AdminClient();
        var side = await Api.CreateOpenPollAsync(admin, VoteLoad.Options);
        await fleet.WaitUntilOpenOnEveryNodeAsync(side.Id);
        // A voter's cluster depends on the poll (per-poll voter keys): it is read from each poll's secret as stored.
        var pollKeys = await Task.WhenAll(load.Polls.Select(p => MultiClusterFleet.VoterKeysAsync(clusters, p.Id)));
        var sideKeys = await MultiClusterFleet.VoterKeysAsync(clusters, side.Id);
        int PartitionOf(int viewer, int poll) => pollKeys[poll].PartitionOf(load.Viewers[viewer].ViewerId, clusters.Length);
        var sidePartitionOf = load.Viewers.Select(v => sideKeys.PartitionOf(v.ViewerId, clusters.Length)).ToArray();
        Assert.Contains(Healthy, sidePartitionOf);
        for (var poll = 0; poll < load.Polls.Length; poll++)
        {
            var partitions = Enumerable.Range(0, load.Viewers.Length).Select(v => PartitionOf(v, poll)).ToArray();
            Assert.Contains(Healthy, partitions);
            Assert.Contains(FailingOver, partitions);
        }
        load.Start();
        using var watch = ResultsWatch.Start(fleet.Nodes, load.Polls.Take(3).Select(p => p.Id).ToArray());
        await Task.Delay(LoadBeforeKill);

        var leader = patroni.Member((await patroni.StateAsync())!.Leader!.Name);
        var killedAt = load.Clock.Elapsed.TotalSeconds;
        patroni.KillNode(leader);

        // A close during the outage: the healthy cluster takes it at once and refuses its voters from then on; the
        // producer is answered 503 until the failed-over cluster has it too, which it gets in the background.
        await FirstAsync(() => load.Interim.Any(i => PartitionOf(i.Viewer, i.Poll) == FailingOver && i.Status == 503 && i.At > killedAt), "a 503 for the failing cluster's voters");
        using (var close = await Api.ClosePollAsync(admin, side.Id))
        {
            await ProblemAssert.IsAsync(close, HttpStatusCode.ServiceUnavailable, ErrorCodes.StoreUnavailable);
        }

        Assert.Equal("closed", (await ClusterRows.PollsAsync(clusters[Healthy]))[side.Id].Status);
        var healthyVoter = load.Viewers[Array.IndexOf(sidePartitionOf, Healthy)];
        using (var refused = await Api.VoteAsync(fleet.Nodes[1].Client(), side.Id, healthyVoter.Token, "a"))
        {
            await ProblemAssert.IsAsync(refused, HttpStatusCode.Conflict, ErrorCodes.PollNotOpen);
        }

        await patroni.WaitWritableAsync(Recovery);
        var recoveredAt = await FirstAcceptedAsync(load, PartitionOf, FailingOver, load.Clock.Elapsed.TotalSeconds);
        await Task.Delay(LoadAfterRecovery);
        var all = await load.StopAsync();
        var seen = await watch.StopAsync();
        output.WriteLine($"killed {leader.Name} at {killedAt:F2}s; cluster {FailingOver}'s voters accepted again at {recoveredAt:F2}s; {all.Length} votes; " +
            $"interim answers: {load.Interim.Count(i => PartitionOf(i.Viewer, i.Poll) == FailingOver)} for cluster {FailingOver}, {load.Interim.Count(i => PartitionOf(i.Viewer, i.Poll) == Healthy)} for cluster {Healthy}");

        // While it had no primary the nodes named the failed cluster's part of the results stale, never the healthy
        // one's, and no total went down.
        Assert.Contains(seen, r => r.Stale.Contains(FailingOver));
        Assert.DoesNotContain(seen, r => r.Stale.Contains(Healthy));
        foreach (var series in seen.GroupBy(r => (r.Node, r.PollId)))
        {
            var totals = series.Select(r => r.Total).ToArray();
            Assert.True(totals.Zip(totals.Skip(1)).All(p => p.Second >= p.First), $"node {series.Key.Node}, poll {series.Key.PollId}: totals {string.Join(' ', totals)}");
        }

        // Every vote got a final answer, once.
        Assert.All(all, a => Assert.True(a.Status is 201 or 200, $"viewer {a.Viewer} poll {a.Poll}: final answer {a.Status}"));
        Assert.Equal(all.Length, all.Select(a => (a.Viewer, a.Poll)).Distinct().Count());

        // The healthy cluster's voters never saw an error, and kept being accepted while the other cluster had no primary.
        Assert.DoesNotContain(load.Interim, i => PartitionOf(i.Viewer, i.Poll) == Healthy);
        Assert.Contains(all, a => PartitionOf(a.Viewer, a.Poll) == Healthy && a.Status == 201 && a.At > killedAt && a.At < recoveredAt);

        // The failing cluster's voters were told to come back: 503 with Retry-After (or no answer, a cut connection).
        var failing = load.Interim.Where(i => PartitionOf(i.Viewer, i.Poll) == FailingOver).ToArray();
        Assert.Contains(failing, i => i.Status == 503 && i.HasRetryAfter);
        Assert.All(failing, i => Assert.True(i.Status == 0 || (i.Status == 503 && i.HasRetryAfter), $"interim answer {i.Status} at {i.At:F2}s"));

        // Every answered vote is stored exactly once, in its voter's cluster (on the new primary and its synchronous
        // standby for the failed-over one), with audit and tallies agreeing.
        var healthyAudit = await StoredVotes.AssertExactlyOnceAsync(
            clusters[Healthy], load, [.. all.Where(a => PartitionOf(a.Viewer, a.Poll) == Healthy)], $"cluster {Healthy}", $"{Healthy}.");
        var newLeader = await patroni.WaitForLeaderAsync(Recovery);
        var syncStandby = await patroni.WaitForSyncStandbyAsync(Recovery);
        VoteAnswer[] failedOver = [.. all.Where(a => PartitionOf(a.Viewer, a.Poll) == FailingOver)];
        var failedOverAudit = await StoredVotes.AssertExactlyOnceAsync(
            patroni.ConnectionString(newLeader), load, failedOver, $"cluster {FailingOver}'s primary {newLeader.Name}", $"{FailingOver}.");
        await patroni.WaitForReplayAsync(syncStandby, newLeader, Recovery);
        await StoredVotes.AssertExactlyOnceAsync(
            patroni.ConnectionString(syncStandby), load, failedOver, $"cluster {FailingOver}'s synchronous standby {syncStandby.Name}", $"{FailingOver}.");

        // The fleet's trail verifies with the auditor's tool (each cluster, and each voter in its own), and every node
        // serves the sum of both recounts.
        var (exitCode, verifyOutput) = await AuditVerifyCli.VerifyPostgresAsync(clusters[Healthy], patroni.ConnectionString(newLeader));
        Assert.True(exitCode == 0, verifyOutput);
        Assert.Contains("OK: every partition's writer chains are intact", verifyOutput, StringComparison.Ordinal);

        await StoredVotes.AssertResultsApiAsync(load, [.. healthyAudit, .. failedOverAudit]);

        // The close reached the failed-over cluster without the producer pressing again; every node shows it closed.
        await FirstAsync(async () => (await ClusterRows.PollsAsync(patroni.ConnectionString(newLeader)))[side.Id].Status == "closed", "the close on the failed-over cluster");
        foreach (var node in fleet.Nodes)
        {
            Assert.Equal("closed", (await Api.ResultsWhenAsync(node.Client(), side.Id, r => r.Status == "closed")).Status);
            Assert.Null((await Api.ResultsWhenAsync(node.Client(), side.Id, r => r.StalePartitions is null)).StalePartitions);
        }
    }

    /// <summary>Waits (bounded) until <paramref name="done"/> holds; throws naming <paramref name="what"/> otherwise.</summary>
    private static Task FirstAsync(Func<bool> done, string what) => FirstAsync(() => Task.FromResult(done()), what);

    private static async Task FirstAsync(Func<Task<bool>> done, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await done())
        {
            if (clock.Elapsed > Recovery)
            {
                throw new TimeoutException($"No {what} within {Recovery.TotalSeconds:F0} s.");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>When the first vote of <paramref name="partition"/>'s voters was accepted after <paramref name="from"/> (seconds on the load's clock).</summary>
    private static async Task<double> FirstAcceptedAsync(VoteLoad load, Func<int, int, int> partitionOf, int partition, double from)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Recovery)
        {
            var first = load.Answers.Where(a => partitionOf(a.Viewer, a.Poll) == partition && a.Status == 201 && a.At > from).Select(a => a.At).DefaultIfEmpty(double.NaN).Min();
            if (!double.IsNaN(first))
            {
                return first;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"No vote of cluster {partition}'s voters was accepted within {Recovery.TotalSeconds:F0} s after {from:F2} s.");
    }

    /// <summary>One read of a poll's results on a node: its total and the partitions it named stale.</summary>
    private sealed record ResultsRead(int Node, string PollId, long Total, int[] Stale);

    /// <summary>Reads a few polls' results on every node every 200 ms until stopped, keeping every read that answered.</summary>
    private sealed class ResultsWatch : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly List<ResultsRead> _reads = [];
        private Task _loop = Task.CompletedTask;

        public static ResultsWatch Start(IReadOnlyList<LiveVoteServer> nodes, string[] pollIds)
        {
            var watch = new ResultsWatch();
            var clients = nodes.Select(n => n.Client()).ToArray();
            watch._loop = Task.Run(() => watch.LoopAsync(clients, pollIds));
            return watch;
        }

        public async Task<IReadOnlyList<ResultsRead>> StopAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            return _reads;
        }

        public void Dispose() => _stop.Dispose();

        private async Task LoopAsync(HttpClient[] clients, string[] pollIds)
        {
            while (!_stop.IsCancellationRequested)
            {
                for (var n = 0; n < clients.Length; n++)
                {
                    foreach (var pollId in pollIds)
                    {
                        using var response = await clients[n].GetAsync($"/v1/polls/{pollId}/results");
                        if (response.IsSuccessStatusCode && await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.ResultsDto) is { } results)
                        {
                            _reads.Add(new ResultsRead(n, pollId, results.Total, [.. results.StalePartitions ?? []]));
                        }
                    }
                }

                try
                {
                    await Task.Delay(200, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
