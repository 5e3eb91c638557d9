using System.Net;
using LiveVote.Server.Tests.Infrastructure;
using static LiveVote.Server.Tests.Polls.PollManagementApi;

namespace LiveVote.Server.Tests.Storage.Postgres;

/// <summary>
/// Poll management on PostgreSQL with the poll spread over two clusters: join code, hidden results, edit, archive and
/// delete go through every partition's writer into each cluster's <c>polls</c> row (migration 11), another node sees
/// them, and the auditor's tool verifies each cluster and the fleet with the new kinds in the trails.
/// </summary>
public sealed class PostgresPollManagementTests
{
    [Fact]
    public async Task EveryManagementChange_ReachesEveryCluster_AndTheTrailsVerify()
    {
        await using var fleet = await MultiClusterFleet.StartAsync(clusters: 2, nodes: 2);
        var (first, second) = (fleet.Nodes[0].AdminClient(), fleet.Nodes[1].AdminClient());

        var poll = await CreatedAsync(first, Definition(code: "pgshow", hide: true));
        (await EditAsync(first, poll.Id, Definition("Edited on PostgreSQL", code: "PGSHOW2", hide: true, "x", "y"))).EnsureSuccessStatusCode();
        (await Api.OpenPollAsync(first, poll.Id)).EnsureSuccessStatusCode();
        await fleet.WaitUntilOpenOnEveryNodeAsync(poll.Id);
        await PresentationApi.CastAsync(second, poll.Id, "x", "y", "y", "x", "x");
        Assert.True((await Api.ResultsWhenAsync(fleet.Nodes[1].Client(), poll.Id, r => r.Hidden)).Hidden);
        (await PostAsync(second, poll.Id, "reveal")).EnsureSuccessStatusCode();
        (await Api.ClosePollAsync(first, poll.Id)).EnsureSuccessStatusCode();
        (await PostAsync(second, poll.Id, "archive")).EnsureSuccessStatusCode();
        var draft = await CreatedAsync(first, Definition(code: "PGDEL1"));
        (await DeleteAsync(second, draft.Id)).EnsureSuccessStatusCode();

        foreach (var cluster in fleet.Clusters)
        {
            Assert.Equal(1, await ClusterRows.ScalarAsync(cluster,
                $"SELECT count(*) FROM polls WHERE id = '{poll.Id}' AND code = 'PGSHOW2' AND title = 'Edited on PostgreSQL' AND NOT results_hidden AND archived_at IS NOT NULL AND deleted_at IS NULL"));
            Assert.Equal(1, await ClusterRows.ScalarAsync(cluster, $"SELECT count(*) FROM polls WHERE id = '{draft.Id}' AND deleted_at IS NOT NULL"));
        }

        // Every node reads the same: archived (left out of the public list), revealed, the deleted draft unknown.
        foreach (var node in fleet.Nodes)
        {
            var read = await Api.ResultsWhenAsync(node.Client(), poll.Id, r => !r.Hidden && r.Total == 5 && r.Status == "closed");
            Assert.Equal(3, read.Totals["x"]);
            Assert.DoesNotContain((await Api.PollsAsync(node.Client())).Polls, p => p.Id == poll.Id);
            // The node that did not delete the draft learns of it at its next shared-state refresh (every 200 ms).
            Assert.Equal(HttpStatusCode.NotFound, await Api.StatusWhenAsync(node.AdminClient(), $"/v1/polls/{draft.Id}", HttpStatusCode.NotFound));
        }

        var (exitCode, output) = await AuditVerifyCli.VerifyPostgresAsync([.. fleet.Clusters]);
        Assert.True(exitCode == 0, output);
    }
}
