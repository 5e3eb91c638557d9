using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using static LiveVote.Server.Tests.Infrastructure.PresentationApi;

namespace LiveVote.Server.Tests.Storage.Postgres;

/// <summary>
/// The on-air freeze with voters spread over two clusters (issue 15): the snapshot is the sum over both clusters, taken
/// once and fanned out, so every cluster records the same frozen count and every node holds the same public results
/// while counting goes on in both clusters; a release on another node lets every node catch up to the summed count.
/// </summary>
public sealed class MultiClusterFreezeTests
{
    private const int VotesBeforeFreeze = 30;
    private const int VotesAfterFreeze = 20;

    [Fact]
    public async Task Freeze_WithVotersInTwoClusters_HoldsTheSummedSnapshotOnEveryNodeAndInEveryCluster()
    {
        await using var fleet = await MultiClusterFleet.StartAsync(clusters: 2, nodes: 3);
        var (first, second, third) = (fleet.Nodes[0].AdminClient(), fleet.Nodes[1].AdminClient(), fleet.Nodes[2].AdminClient());
        var poll = await Api.CreateOpenPollAsync(first, "a", "b");
        await fleet.WaitUntilOpenOnEveryNodeAsync(poll.Id);

        await CastAsync(third, poll.Id, [.. Enumerable.Repeat("a", VotesBeforeFreeze)]);
        Assert.Equal(VotesBeforeFreeze, (await LiveWhenAsync(first, poll.Id, r => r.Total == VotesBeforeFreeze)).Total);
        var inCluster = await Task.WhenAll(fleet.Clusters.Select(c => ClusterRows.ScalarAsync(c, $"SELECT count(*) FROM votes WHERE poll_id = '{poll.Id}'")));
        Assert.All(inCluster, count => Assert.True(count > 0, $"votes per cluster: {string.Join(", ", inCluster)}"));

        (await FreezeAsync(first, poll.Id)).EnsureSuccessStatusCode();

        // Both clusters record the one snapshot: the sum, not each cluster's own part.
        var frozen = $"{{\"totals\":{{\"a\":{VotesBeforeFreeze},\"b\":0}}}}";
        foreach (var cluster in fleet.Clusters)
        {
            Assert.Equal(frozen, await FrozenTotalsAsync(cluster, poll.Id));
        }

        // Counting goes on in both clusters behind the held public results, the same on every node.
        await CastAsync(second, poll.Id, [.. Enumerable.Repeat("b", VotesAfterFreeze)]);
        Assert.Equal(VotesBeforeFreeze + VotesAfterFreeze, (await LiveWhenAsync(third, poll.Id, r => r.Total == VotesBeforeFreeze + VotesAfterFreeze)).Total);
        var held = new List<ResultsDto>();
        foreach (var node in fleet.Nodes)
        {
            var results = await Api.ResultsWhenAsync(node.Client(), poll.Id, r => r.Frozen);
            Assert.True(results.Frozen, "a node never served the frozen results");
            Assert.Equal(VotesBeforeFreeze, results.Totals["a"]);
            Assert.Equal(VotesBeforeFreeze, results.Total);
            held.Add(results);
        }

        Assert.Single(held.Select(r => r.Version).Distinct());

        // A release on another node: every node catches up to the sum over both clusters.
        (await ReleaseAsync(second, poll.Id)).EnsureSuccessStatusCode();
        foreach (var node in fleet.Nodes)
        {
            var caughtUp = await Api.ResultsWhenAsync(node.Client(), poll.Id, r => !r.Frozen && r.Total == VotesBeforeFreeze + VotesAfterFreeze);
            Assert.False(caughtUp.Frozen);
            Assert.Equal(VotesAfterFreeze, caughtUp.Totals["b"]);
            Assert.True(caughtUp.Version > held[0].Version);
        }

        foreach (var cluster in fleet.Clusters)
        {
            Assert.Null(await FrozenTotalsAsync(cluster, poll.Id));
        }
    }

    private static async Task<string?> FrozenTotalsAsync(string connectionString, string pollId)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT frozen_totals FROM polls WHERE id = $1", connection);
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = pollId });
        return await command.ExecuteScalarAsync() as string;
    }
}
