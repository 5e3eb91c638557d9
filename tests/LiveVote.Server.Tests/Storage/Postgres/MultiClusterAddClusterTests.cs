using System.Net;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Storage.Postgres;

/// <summary>
/// Adding a cluster between polls (issue 15, design.md section 11 "Adding a cluster"): the nodes are rolled with a
/// second cluster appended to their map. A poll created before keeps its one partition and its voters' votes stay
/// where they are; a poll created after is spread over both clusters; both clusters record the longer map.
/// </summary>
public sealed class MultiClusterAddClusterTests
{
    private const int VotersBefore = 40;
    private const int VotersAfter = 160;

    [Fact]
    public async Task AddCluster_BetweenPolls_OldPollKeepsItsOnePartitionAndNewPollIsSpreadOverBoth()
    {
        await using var fleet = await MultiClusterFleet.StartAsync(clusters: 1, nodes: 2);
        var first = fleet.Clusters[0];

        // Poll A on one cluster, voted.
        var pollA = await Api.CreateOpenPollAsync(fleet.Nodes[0].AdminClient(), "a", "b");
        await fleet.WaitUntilOpenOnEveryNodeAsync(pollA.Id);
        var votersA = await Api.RegisterManyAsync(fleet.Nodes[0].AdminClient(), VotersBefore);
        var answersA = await Task.WhenAll(votersA.Select((v, i) => VoteAsync(fleet.Nodes[i % 2].Client(), pollA.Id, v, "ab"[i % 2].ToString())));
        Assert.All(answersA, a => Assert.Equal(HttpStatusCode.Created, a.Status));
        Assert.All(answersA, a => Assert.DoesNotContain(".", a.Vote!.VoteId, StringComparison.Ordinal));
        var before = await ClusterRows.IdentityAsync(first);

        // The roll: every node restarted with a second cluster appended.
        var second = await fleet.CreateDatabaseAsync();
        await fleet.RestartNodesAsync([first, second]);
        var admin = fleet.Nodes[0].AdminClient();

        // Poll A keeps one partition; its voters' retries get their first answers back, whichever node they reach.
        Assert.Equal(1, (await ClusterRows.PollsAsync(first))[pollA.Id].PartitionCount);
        var retriesA = await Task.WhenAll(votersA.Select((v, i) => VoteAsync(fleet.Nodes[(i + 1) % 2].Client(), pollA.Id, v, "ab"[i % 2].ToString())));
        Assert.All(retriesA, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Equal(answersA.Select(a => (a.Vote!.VoteId, a.Vote!.Receipt)), retriesA.Select(a => (a.Vote!.VoteId, a.Vote!.Receipt)));

        // New voters of poll A still land in the first cluster only.
        var lateA = await Api.RegisterManyAsync(admin, 20);
        var lateAnswersA = await Task.WhenAll(lateA.Select((v, i) => VoteAsync(fleet.Nodes[i % 2].Client(), pollA.Id, v, "a")));
        Assert.All(lateAnswersA, a => Assert.Equal(HttpStatusCode.Created, a.Status));
        Assert.All(lateAnswersA, a => Assert.DoesNotContain(".", a.Vote!.VoteId, StringComparison.Ordinal));
        Assert.Equal(VotersBefore + lateA.Length, (await ClusterRows.VotesAsync(first)).Keys.Count(k => k.PollId == pollA.Id));
        Assert.DoesNotContain((await ClusterRows.VotesAsync(second)).Keys, k => k.PollId == pollA.Id);

        // Poll B, created after the roll, is spread over both clusters; its voters land where the partitioner says.
        var pollB = await Api.CreateOpenPollAsync(admin, "a", "b");
        await fleet.WaitUntilOpenOnEveryNodeAsync(pollB.Id);
        var votersB = await Api.RegisterManyAsync(admin, VotersAfter);
        var answersB = await Task.WhenAll(votersB.Select((v, i) => VoteAsync(fleet.Nodes[i % 2].Client(), pollB.Id, v, "b")));
        Assert.All(answersB, a => Assert.Equal(HttpStatusCode.Created, a.Status));
        foreach (var cluster in fleet.Clusters)
        {
            Assert.Equal(2, (await ClusterRows.PollsAsync(cluster))[pollB.Id].PartitionCount);
        }

        var stored = new[] { await ClusterRows.VotesAsync(first), await ClusterRows.VotesAsync(second) };
        var keysB = await fleet.VoterKeysAsync(pollB.Id);
        for (var i = 0; i < votersB.Length; i++)
        {
            var key = (pollB.Id, keysB.Hex(votersB[i].ViewerId));
            var partition = keysB.PartitionOf(votersB[i].ViewerId, 2);
            Assert.True(stored[partition].TryGetValue(key, out var row), $"voter {i} of poll B is missing from cluster {partition}");
            Assert.False(stored[1 - partition].ContainsKey(key), $"voter {i} of poll B is also in cluster {1 - partition}");
            Assert.Equal(answersB[i].Vote!.VoteId, MultiClusterFleet.VoteId(partition, 2, row.Writer, row.Seq));
        }

        Assert.All(stored, s => Assert.Contains(s.Keys, k => k.PollId == pollB.Id));

        // Both clusters record the two-cluster map: the first keeps its id and index, the second is appended after it.
        var identities = new[] { await ClusterRows.IdentityAsync(first), await ClusterRows.IdentityAsync(second) };
        Assert.Equal(before.ClusterId, identities[0].ClusterId);
        Assert.Equal(0, identities[0].PartitionIndex);
        Assert.Equal(1, identities[1].PartitionIndex);
        var map = $"{identities[0].ClusterId},{identities[1].ClusterId}";
        Assert.All(identities, i => Assert.Equal(map, i.Map));

        // The auditor's tool agrees with the grown fleet: each cluster verifies, each voter is in its poll's partition.
        var (exitCode, verifyOutput) = await AuditVerifyCli.VerifyPostgresAsync(first, second);
        Assert.True(exitCode == 0, verifyOutput);

        // Every node serves both polls' totals, also after another restart of the whole fleet on the same map, where
        // poll B's voters get their first answers back from whichever cluster holds them.
        await CheckTotalsAsync();
        await fleet.RestartNodesAsync([first, second]);
        var retriesB = await Task.WhenAll(votersB.Select((v, i) => VoteAsync(fleet.Nodes[(i + 1) % 2].Client(), pollB.Id, v, "b")));
        Assert.All(retriesB, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Equal(answersB.Select(a => (a.Vote!.VoteId, a.Vote!.Receipt)), retriesB.Select(a => (a.Vote!.VoteId, a.Vote!.Receipt)));
        await CheckTotalsAsync();

        async Task CheckTotalsAsync()
        {
            foreach (var node in fleet.Nodes)
            {
                var resultsA = await Api.ResultsWhenAsync(node.Client(), pollA.Id, r => r.Total == VotersBefore + lateA.Length);
                Assert.Equal(VotersBefore / 2 + lateA.Length, resultsA.Totals["a"]);
                Assert.Equal(VotersBefore / 2, resultsA.Totals["b"]);
                var resultsB = await Api.ResultsWhenAsync(node.Client(), pollB.Id, r => r.Total == VotersAfter);
                Assert.Equal(VotersAfter, resultsB.Totals["b"]);
            }
        }
    }

    [Fact]
    public async Task AddCluster_MidRoll_ANodeStillOnTheOldMapAnswersTheNewPollsVotes503AndStoresNone()
    {
        await using var fleet = await MultiClusterFleet.StartAsync(clusters: 1, nodes: 2);
        var first = fleet.Clusters[0];
        var second = await fleet.CreateDatabaseAsync();

        // Half the roll: node 1 maps both clusters, node 0 still runs with the first alone.
        await fleet.RestartNodeAsync(1, [first, second]);
        var (oldNode, newNode) = (fleet.Nodes[0], fleet.Nodes[1]);
        var poll = await Api.CreateOpenPollAsync(newNode.AdminClient(), "a", "b");
        Assert.Equal(2, (await ClusterRows.PollsAsync(first))[poll.Id].PartitionCount);
        Assert.Equal("open", (await Api.ResultsWhenAsync(newNode.Client(), poll.Id, r => r.Status == "open")).Status);
        Assert.Equal("open", (await Api.ResultsWhenAsync(oldNode.Client(), poll.Id, r => r.Status == "open")).Status);

        // The old node cannot tell which cluster a voter of the new poll belongs in: it stores nothing, answers 503.
        var voters = await Api.RegisterManyAsync(newNode.AdminClient(), 40);
        foreach (var voter in voters)
        {
            using var response = await Api.VoteAsync(oldNode.Client(), poll.Id, voter.Token, "a");
            await ProblemAssert.IsAsync(response, HttpStatusCode.ServiceUnavailable, ErrorCodes.StoreUnavailable);
        }

        Assert.Equal(0, await ClusterRows.ScalarAsync(first, $"SELECT count(*) FROM votes WHERE poll_id = '{poll.Id}'"));
        Assert.Equal(0, await ClusterRows.ScalarAsync(second, $"SELECT count(*) FROM votes WHERE poll_id = '{poll.Id}'"));

        // The node on the new map stores them, each in its own cluster.
        var answers = await Task.WhenAll(voters.Select(v => VoteAsync(newNode.Client(), poll.Id, v, "b")));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Created, a.Status));

        // The roll finished, the first node answers the same votes with their first answers.
        await fleet.RestartNodeAsync(0, [first, second]);
        var again = await Task.WhenAll(voters.Select(v => VoteAsync(fleet.Nodes[0].Client(), poll.Id, v, "b")));
        Assert.All(again, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Equal(answers.Select(a => a.Vote!.VoteId), again.Select(a => a.Vote!.VoteId));
        var stored = new[] { await ClusterRows.VotesAsync(first), await ClusterRows.VotesAsync(second) };
        Assert.Equal(voters.Length, stored.Sum(s => s.Keys.Count(k => k.PollId == poll.Id)));
        var keys = await fleet.VoterKeysAsync(poll.Id);
        Assert.All(voters, v => Assert.True(
            stored[keys.PartitionOf(v.ViewerId, 2)].ContainsKey((poll.Id, keys.Hex(v.ViewerId))),
            $"viewer {v.ViewerId} is not in its cluster"));
    }

    [Fact]
    public async Task AddCluster_MidRoll_ACloseSentToANodeOnTheOldMapChangesNoClusterAndOneOnTheNewMapStopsVotesInEvery()
    {
        await using var fleet = await MultiClusterFleet.StartAsync(clusters: 1, nodes: 2);
        var first = fleet.Clusters[0];
        var second = await fleet.CreateDatabaseAsync();
        await fleet.RestartNodeAsync(1, [first, second]);
        var (oldNode, newNode) = (fleet.Nodes[0], fleet.Nodes[1]);
        var poll = await Api.CreateOpenPollAsync(newNode.AdminClient(), "a", "b");
        Assert.Equal("open", (await Api.ResultsWhenAsync(oldNode.Client(), poll.Id, r => r.Status == "open")).Status);
        var voters = await Api.RegisterManyAsync(newNode.AdminClient(), 40);
        var keys = await fleet.VoterKeysAsync(poll.Id);
        Assert.Contains(voters, v => keys.PartitionOf(v.ViewerId, 2) == 1);

        // The producer's close lands on the node still on the old map (a load balancer's pick). It cannot reach every
        // cluster of the poll, so it changes none and says so: closing only its own would leave the other accepting
        // votes after the producer was told the poll is closed.
        using (var refused = await Api.ClosePollAsync(oldNode.AdminClient(), poll.Id))
        {
            await ProblemAssert.IsAsync(refused, HttpStatusCode.ServiceUnavailable, ErrorCodes.StoreUnavailable);
        }

        foreach (var cluster in fleet.Clusters)
        {
            Assert.Equal("open", (await ClusterRows.PollsAsync(cluster))[poll.Id].Status);
        }

        // Pressed again on a node on the new map, the close holds in both clusters: no voter of either is accepted after it.
        using (var close = await Api.ClosePollAsync(newNode.AdminClient(), poll.Id))
        {
            Assert.True(close.IsSuccessStatusCode, $"close answered {(int)close.StatusCode}: {await close.Content.ReadAsStringAsync()}");
        }

        foreach (var voter in voters)
        {
            foreach (var node in fleet.Nodes)
            {
                using var response = await Api.VoteAsync(node.Client(), poll.Id, voter.Token, "a");
                Assert.True(response.StatusCode == HttpStatusCode.Conflict || (node == oldNode && response.StatusCode == HttpStatusCode.ServiceUnavailable),
                    $"a voter of partition {keys.PartitionOf(voter.ViewerId, 2)} was answered {(int)response.StatusCode} after the close: {await response.Content.ReadAsStringAsync()}");
            }
        }

        Assert.Equal(0, await ClusterRows.ScalarAsync(first, $"SELECT count(*) FROM votes WHERE poll_id = '{poll.Id}'"));
        Assert.Equal(0, await ClusterRows.ScalarAsync(second, $"SELECT count(*) FROM votes WHERE poll_id = '{poll.Id}'"));
    }

    private static async Task<(HttpStatusCode Status, VoteResponse? Vote)> VoteAsync(HttpClient client, string pollId, RegisterViewerResponse voter, string optionId)
    {
        using var response = await Api.VoteWithRetryAsync(client, pollId, voter.Token, optionId);
        return (response.StatusCode, response.IsSuccessStatusCode ? await Api.ReadVoteAsync(response) : null);
    }
}
