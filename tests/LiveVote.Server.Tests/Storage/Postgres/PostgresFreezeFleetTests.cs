using LiveVote.Server.Tests.Infrastructure;
using Npgsql;
using static LiveVote.Server.Tests.Infrastructure.PresentationApi;

namespace LiveVote.Server.Tests.Storage.Postgres;

/// <summary>
/// The on-air freeze across a fleet: an OBS browser source may be connected to any node, so a freeze taken on one node
/// must hold the public results on every node (it lives in the shared polls row), while votes cast on yet another
/// node go on being counted; a release on a second node lets every node catch up.
/// </summary>
public sealed class PostgresFreezeFleetTests : FleetTestBase
{
    [Fact]
    public async Task Freeze_OnOneNode_HoldsThePublicResultsOnEveryNode_ReleaseOnAnotherLetsThemCatchUp()
    {
        var (first, second, third) = (Nodes[0].AdminClient(), Nodes[1].AdminClient(), Nodes[2].AdminClient());
        var poll = await Api.CreateOpenPollAsync(first, "a", "b");
        foreach (var node in Nodes)
        {
            Assert.Equal("open", (await Api.ResultsWhenAsync(node.Client(), poll.Id, r => r.Status == "open")).Status);
        }

        await CastAsync(third, poll.Id, "a", "a");
        await LiveWhenAsync(first, poll.Id, r => r.Total == 2);

        (await FreezeAsync(first, poll.Id)).EnsureSuccessStatusCode();

        // The second node serves the snapshot taken on the first, from the shared row.
        var frozenOnSecond = await Api.ResultsWhenAsync(Nodes[1].Client(), poll.Id, r => r.Frozen);
        Assert.True(frozenOnSecond.Frozen, "The second node never served the frozen results.");
        Assert.Equal(2, frozenOnSecond.Totals["a"]);
        Assert.Equal(2, frozenOnSecond.Total);
        Assert.Equal("{\"totals\":{\"a\":2,\"b\":0}}", await FrozenTotalsAsync(poll.Id));

        await CastAsync(third, poll.Id, "b", "b", "b");
        Assert.Equal(5, (await LiveWhenAsync(second, poll.Id, r => r.Total == 5)).Total);
        foreach (var node in Nodes)
        {
            var held = await Api.ResultsWhenAsync(node.Client(), poll.Id, r => r.Frozen);
            Assert.True(held.Frozen);
            Assert.Equal(2, held.Total);
            Assert.Equal(frozenOnSecond.Version, held.Version);
        }

        // A second freeze, from another node, is refused: it is frozen already.
        Assert.Equal(System.Net.HttpStatusCode.Conflict, (await FreezeAsync(third, poll.Id)).StatusCode);

        var released = await ReadPollAsync(await ReleaseAsync(second, poll.Id));

        Assert.False(released.ResultsFrozen);
        foreach (var node in Nodes)
        {
            var caughtUp = await Api.ResultsWhenAsync(node.Client(), poll.Id, r => !r.Frozen && r.Total == 5);
            Assert.False(caughtUp.Frozen);
            Assert.Equal(5, caughtUp.Total);
            Assert.Equal(3, caughtUp.Totals["b"]);
            Assert.True(caughtUp.Version > frozenOnSecond.Version);
        }

        Assert.Null(await FrozenTotalsAsync(poll.Id));
    }

    [Fact]
    public async Task ViewerResultsSetting_ChangedOnOneNode_IsSeenByEveryNode()
    {
        var poll = await Api.CreateOpenPollAsync(Nodes[0].AdminClient(), "a", "b");

        // Nodes learn of a poll another node created within a refresh interval (design.md, section 7.4); the change is
        // made on the second node once it has.
        await Api.ResultsWhenAsync(Nodes[1].Client(), poll.Id, r => r.Status == "open");
        (await SetViewerResultsAsync(Nodes[1].AdminClient(), poll.Id, true)).EnsureSuccessStatusCode();

        foreach (var node in Nodes)
        {
            var deadline = Environment.TickCount64 + 10_000;
            while (!(await Api.PollAsync(node.Client(), poll.Id)).ShowResultsToViewers && Environment.TickCount64 < deadline)
            {
                await Task.Delay(50);
            }

            Assert.True((await Api.PollAsync(node.Client(), poll.Id)).ShowResultsToViewers);
        }
    }

    private async Task<string?> FrozenTotalsAsync(string pollId)
    {
        await using var connection = new NpgsqlConnection(Fleet.Postgres.ConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT frozen_totals FROM polls WHERE id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = pollId });
        return await command.ExecuteScalarAsync() as string;
    }
}
