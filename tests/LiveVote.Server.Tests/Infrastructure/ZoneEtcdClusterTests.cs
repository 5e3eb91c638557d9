using System.Diagnostics;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// What the zone-cut scenario relies on from etcd, checked without Patroni: with one member per zone, cutting the
/// leader's zone leaves the other two a quorum that elects a leader and takes writes, while the cut member can serve
/// neither a linearizable read nor a write (which is why a cut-off Patroni cannot renew its leader key and must
/// demote), and after the heal it catches up and the write it was asked for while cut never took effect.
/// </summary>
public sealed class ZoneEtcdClusterTests
{
    private const string Key = "/livevote-zone-test/value";
    private static readonly TimeSpan ElectionDeadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CatchUpDeadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task LeaderZoneCut_OtherTwoZonesKeepQuorum_CutMemberServesNoLinearizableReadOrWrite_CatchesUpAfterHeal()
    {
        await using var network = await ZoneNetwork.CreateAsync("zone_a", "zone_b", "zone_c");
        await using var etcd = await ZoneEtcdCluster.StartAsync(network);
        var put = await ZoneEtcdCluster.EtcdctlAsync(network.Zones, null, null, "put", Key, "before-cut");
        Assert.True(put.Succeeded, $"put before the cut: {put}\n{etcd.Logs}");

        var cut = await etcd.LeaderZoneAsync();
        var remaining = network.Zones.Where(zone => zone != cut).ToList();
        await network.CutAsync(cut.Name);

        // The two remaining members elect a leader once the old one's heartbeats stop, then take every write.
        Assert.True(await EventuallyAsync(async () => (await ZoneEtcdCluster.EtcdctlAsync(remaining, null, null, "put", Key, "during-0")).Succeeded, ElectionDeadline),
            $"the two zones left never took a write after {cut} was cut off\n{etcd.Logs}");
        for (var i = 1; i <= 10; i++)
        {
            // One member at a time: each of the two can reach the new leader, whichever it is.
            var through = remaining[i % 2];
            var write = await ZoneEtcdCluster.EtcdctlAsync([through], null, null, "put", Key, $"during-{i}");
            Assert.True(write.Succeeded, $"write {i} through {through} while {cut} is cut off: {write}");
        }

        var majorityRead = await ZoneEtcdCluster.EtcdctlAsync(remaining, null, null, "get", Key, "--print-value-only");
        Assert.True(majorityRead.Succeeded, majorityRead.ToString());
        Assert.Equal("during-10", majorityRead.Output.Trim());

        // The cut member is alive (it answers a serializable read, from its stale copy) but without a quorum it can
        // confirm nothing: no linearizable read, no write.
        var stale = await ZoneEtcdCluster.EtcdctlAsync([cut], cut, null, "get", Key, "--consistency=s", "--print-value-only");
        Assert.True(stale.Succeeded, $"the cut member should still answer a serializable read: {stale}");
        Assert.Equal("before-cut", stale.Output.Trim());
        var linearizable = await ZoneEtcdCluster.EtcdctlAsync([cut], cut, null, "get", Key, "--print-value-only");
        Assert.False(linearizable.Succeeded, $"the cut member served a linearizable read: {linearizable}");
        var cutWrite = await ZoneEtcdCluster.EtcdctlAsync([cut], cut, null, "put", Key, "written-in-cut-zone");
        Assert.False(cutWrite.Succeeded, $"the cut member acknowledged a write: {cutWrite}");

        // Healed: the member rejoins, catches up with what the majority wrote, and its own write never happened.
        await network.HealAsync(cut.Name);
        ToolResult? caughtUp = null;
        Assert.True(await EventuallyAsync(async () =>
            {
                caughtUp = await ZoneEtcdCluster.EtcdctlAsync([cut], cut, null, "get", Key, "--print-value-only");
                return caughtUp.Succeeded;
            }, CatchUpDeadline),
            $"the healed member never served a linearizable read again: {caughtUp}\n{etcd.Logs}");
        Assert.Equal("during-10", caughtUp!.Output.Trim());
        var after = await ZoneEtcdCluster.EtcdctlAsync([cut], cut, null, "put", Key, "after-heal");
        Assert.True(after.Succeeded, $"the healed member took no write: {after}");
        var everyone = await ZoneEtcdCluster.EtcdctlAsync(network.Zones, null, null, "get", Key, "--print-value-only");
        Assert.Equal("after-heal", everyone.Output.Trim());
    }

    private static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan deadline)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < deadline)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(250);
        }

        return false;
    }
}
