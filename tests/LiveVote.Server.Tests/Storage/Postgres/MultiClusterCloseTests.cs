using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace LiveVote.Server.Tests.Storage.Postgres;

/// <summary>
/// A close fanned out to every cluster while votes flow into all of them (issue 15): no cluster accepts a vote after
/// its own close, no vote sent after the close was answered is accepted anywhere, and every cluster's audit trail
/// still verifies with the auditor's own tool.
/// </summary>
public sealed class MultiClusterCloseTests(ITestOutputHelper output)
{
    private const int Clusters = 3;
    // Each vote takes a fresh viewer, and votes go on being refused while the close is answered (fanned out, the results
    // caught up, the result signed): 300-700 viewers here, more on a loaded machine. The supply must outlast that and the
    // 150 sent after the answer, or the test measures its own shortage of viewers.
    private const int ViewerCount = 2400;
    private const int Senders = 12;
    private const int AcceptedBeforeClose = 150;
    private const int SentAfterClose = 150;

    [Fact]
    public async Task Close_WhileVotesFlowOnEveryCluster_NoClusterAcceptsAVoteAfterItsCloseAndEveryAuditVerifies()
    {
        await using var fleet = await MultiClusterFleet.StartAsync(Clusters, nodes: 3);
        var admin = fleet.Nodes[0].AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin, "a", "b", "c");
        await fleet.WaitUntilOpenOnEveryNodeAsync(poll.Id);
        var keys = await fleet.VoterKeysAsync(poll.Id);
        var viewers = await Api.RegisterManyAsync(admin, ViewerCount);
        var clients = fleet.Nodes.Select(n => n.Client()).ToArray();

        // Senders take fresh viewers one after another, each vote through the next node, until told to stop; each
        // answer is kept with the instants its request was sent and answered.
        var clock = Stopwatch.StartNew();
        var next = -1;
        var answers = new ConcurrentQueue<SentVote>();
        var closeAnsweredAt = long.MaxValue;
        using var stop = new CancellationTokenSource();
        var senders = Enumerable.Range(0, Senders).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var v = Interlocked.Increment(ref next);
                if (v >= viewers.Length)
                {
                    return;
                }

                // Sent once, not retried: a retry after the close of a vote stored before it would blur "sent after".
                var sentAt = clock.ElapsedTicks;
                using var response = await Api.VoteAsync(clients[v % clients.Length], poll.Id, viewers[v].Token, "abc"[v % 3].ToString());
                var body = await response.Content.ReadAsStringAsync();
                answers.Enqueue(new SentVote(v, sentAt, clock.ElapsedTicks, response.StatusCode, body));
            }
        })).ToArray();

        // Votes flow into every cluster before the close.
        while (answers.Count(a => a.Status == HttpStatusCode.Created) < AcceptedBeforeClose && !senders.All(s => s.IsCompleted))
        {
            await Task.Delay(20);
        }

        var closing = fleet.Nodes[1].AdminClient();
        using (var close = await Api.ClosePollAsync(closing, poll.Id))
        {
            Assert.True(close.IsSuccessStatusCode, $"close answered {(int)close.StatusCode}: {await close.Content.ReadAsStringAsync()}");
        }

        Interlocked.Exchange(ref closeAnsweredAt, clock.ElapsedTicks);
        while (answers.Count(a => a.SentAt > closeAnsweredAt) < SentAfterClose && !senders.All(s => s.IsCompleted))
        {
            await Task.Delay(20);
        }

        await stop.CancelAsync();
        await Task.WhenAll(senders);
        var all = answers.ToArray();
        output.WriteLine($"{all.Length} votes: {all.Count(a => a.Status == HttpStatusCode.Created)} accepted, " +
            $"{all.Count(a => a.Status == HttpStatusCode.Conflict)} refused, {all.Count(a => a.Status == HttpStatusCode.ServiceUnavailable)} answered 503; " +
            $"{all.Count(a => a.SentAt < closeAnsweredAt && a.AnsweredAt > closeAnsweredAt)} in flight across the close answer; " +
            $"{all.Count(a => a.SentAt > closeAnsweredAt)} sent after it");

        // Every vote was accepted, refused because the poll closed, or (before the close only) answered 503 with its
        // outcome unknown. None sent after the close was answered was accepted, on any node, for any cluster's voter.
        Assert.All(all, a => Assert.True(a.Status is HttpStatusCode.Created or HttpStatusCode.Conflict or HttpStatusCode.ServiceUnavailable, $"viewer {a.Viewer}: {(int)a.Status} {a.Body}"));
        Assert.All(all.Where(a => a.Status == HttpStatusCode.Conflict), a => Assert.Equal(ErrorCodes.PollNotOpen, Code(a.Body)));
        var late = all.Where(a => a.SentAt > closeAnsweredAt).ToArray();
        Assert.True(late.Length >= SentAfterClose, $"only {late.Length} votes were sent after the close");
        Assert.All(late, a => Assert.True(a.Status == HttpStatusCode.Conflict, $"viewer {a.Viewer} voted after the close and got {(int)a.Status} {a.Body}"));
        Assert.All(Enumerable.Range(0, Clusters), c => Assert.Contains(late, a => keys.PartitionOf(viewers[a.Viewer].ViewerId, Clusters) == c));

        // And every node, asked for a fresh voter of every cluster, refuses.
        var fresh = await Api.RegisterManyAsync(admin, 30);
        foreach (var client in clients)
        {
            foreach (var viewer in fresh)
            {
                using var response = await Api.VoteAsync(client, poll.Id, viewer.Token, "a");
                await ProblemAssert.IsAsync(response, HttpStatusCode.Conflict, ErrorCodes.PollNotOpen);
            }
        }

        var accepted = all.Where(a => a.Status == HttpStatusCode.Created).ToDictionary(a => keys.Hex(viewers[a.Viewer].ViewerId));
        var refused = all.Where(a => a.Status == HttpStatusCode.Conflict).Select(a => keys.Hex(viewers[a.Viewer].ViewerId)).ToHashSet();
        var unknown = all.Count(a => a.Status == HttpStatusCode.ServiceUnavailable);
        for (var c = 0; c < Clusters; c++)
        {
            // In each cluster the close is recorded once, after every vote the cluster accepted for the poll.
            var audit = await ClusterRows.AuditAsync(fleet.Clusters[c], poll.Id);
            var close = Assert.Single(audit, e => e.Kind == "poll-closed");
            var votes = audit.Where(e => e.Kind == "vote").ToArray();
            Assert.All(votes, v => Assert.True(v.Pos < close.Pos && v.At <= close.At,
                $"cluster {c}: vote {v.Writer}-{v.Seq} (pos {v.Pos}, at {v.At}) is not before the close (pos {close.Pos}, at {close.At})"));

            // It holds the accepted votes of its voters and no vote refused as not open (a 503's outcome is unknown).
            var mine = accepted.Where(p => keys.PartitionOf(viewers[p.Value.Viewer].ViewerId, Clusters) == c).ToDictionary();
            Assert.NotEmpty(mine);
            var stored = await ClusterRows.VotesAsync(fleet.Clusters[c]);
            var storedKeys = stored.Keys.Where(k => k.PollId == poll.Id).Select(k => k.VoterKey).ToHashSet();
            Assert.Subset(storedKeys, mine.Keys.ToHashSet());
            Assert.Empty(storedKeys.Intersect(refused));
            Assert.Equal(storedKeys.Count, votes.Length);
            foreach (var (key, answer) in mine)
            {
                var row = stored[(poll.Id, key)];
                var vote = JsonSerializer.Deserialize(answer.Body, ContractsJsonContext.Default.VoteResponse)!;
                Assert.Equal(vote.VoteId, MultiClusterFleet.VoteId(c, Clusters, row.Writer, row.Seq));
                Assert.Equal(vote.Receipt, row.Receipt);
            }

            Assert.Equal("closed", (await ClusterRows.PollsAsync(fleet.Clusters[c]))[poll.Id].Status);
            output.WriteLine($"cluster {c}: {votes.Length} votes, the last at pos {votes.Select(v => v.Pos).DefaultIfEmpty().Max()}, the close at pos {close.Pos}");
        }

        var storedTotal = 0L;
        foreach (var cluster in fleet.Clusters)
        {
            storedTotal += (await ClusterRows.VotesAsync(cluster)).Keys.Count(k => k.PollId == poll.Id);
        }

        Assert.InRange(storedTotal, accepted.Count, accepted.Count + unknown);

        // Every cluster's trail verifies with the auditor's tool on its own, and the fleet as a whole (each voter in its
        // own partition, the clusters in map order).
        foreach (var cluster in fleet.Clusters)
        {
            var (exitCode, verifyOutput) = await AuditVerifyCli.VerifyPostgresAsync(cluster);
            Assert.True(exitCode == 0, verifyOutput);
            Assert.Contains("OK: every writer's hash chain is intact", verifyOutput, StringComparison.Ordinal);
        }

        var (fleetExitCode, fleetOutput) = await AuditVerifyCli.VerifyPostgresAsync([.. fleet.Clusters]);
        Assert.True(fleetExitCode == 0, fleetOutput);
        Assert.Contains("OK: every partition's writer chains are intact", fleetOutput, StringComparison.Ordinal);

        // Every node shows the poll closed with the stored votes, summed over the clusters.
        foreach (var client in clients)
        {
            var results = await Api.ResultsWhenAsync(client, poll.Id, r => r.Status == "closed" && r.Total == storedTotal);
            Assert.Equal("closed", results.Status);
            Assert.Equal(storedTotal, results.Total);
        }
    }

    private static string? Code(string body)
    {
        using var document = JsonDocument.Parse(body);
        return document.RootElement.TryGetProperty("code", out var code) ? code.GetString() : null;
    }

    /// <summary>One vote: whose, when it was sent and answered (stopwatch ticks), and the final answer.</summary>
    private sealed record SentVote(int Viewer, long SentAt, long AnsweredAt, HttpStatusCode Status, string Body);
}
