using LiveVote.Server.Storage.Postgres;

namespace LiveVote.Server.Tests.Storage.Postgres;

/// <summary>The store's part of /readyz, from the live ping and the monitor's last state, without I/O.</summary>
public sealed class StoreReadinessTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    private static ClusterState Healthy => ClusterState.NotRead.Next(ClusterStateTests.Primary("10.0.1.5:5432", 3, "zone_b"), T0);

    [Fact]
    public void Sqlite_KeepsItsAnswers()
    {
        Assert.Equal((true, null), StoreReadiness.Decide(storeAnswers: true, state: null));
        Assert.Equal((false, "store unreachable"), StoreReadiness.Decide(storeAnswers: false, state: null));
        Assert.Equal("embedded", StoreReadiness.Describe(null).Status);
    }

    [Fact]
    public void PrimaryWithSyncStandby_IsReady_AndSaysWhich()
    {
        Assert.Equal((true, "store: primary 10.0.1.5:5432, timeline 3, sync standby zone_b"), StoreReadiness.Decide(true, Healthy));
    }

    [Fact]
    public void NoSynchronousStandby_StaysReady_AndSaysWritesWait()
    {
        var state = Healthy.Next(ClusterStateTests.Primary("10.0.1.5:5432", 3), T0.AddSeconds(2));

        var (ready, detail) = StoreReadiness.Decide(true, state);

        Assert.True(ready);
        Assert.Equal("store: primary 10.0.1.5:5432, timeline 3, no synchronous standby: writes wait", detail);
        Assert.Equal("no-sync-standby", StoreReadiness.Describe(state).Status);
    }

    [Fact]
    public void NoWritablePrimary_IsNotReady_WithTheReason()
    {
        var state = Healthy.Next(null, T0.AddSeconds(2));

        var (ready, detail) = StoreReadiness.Decide(false, state);

        Assert.False(ready);
        Assert.Equal("no writable primary: failover in progress or database down (unreachable)", detail);
        Assert.Equal("no-primary", StoreReadiness.Describe(state).Status);
        Assert.Null(StoreReadiness.Describe(state).Primary);
    }

    [Fact]
    public void PingFails_WhileTheLastReadingFoundAPrimary_IsNotReady_AndSaysStoreUnreachable()
    {
        var (ready, detail) = StoreReadiness.Decide(false, Healthy);

        Assert.False(ready);
        Assert.Equal("store unreachable; last read primary 10.0.1.5:5432, timeline 3, sync standby zone_b", detail);
    }

    [Fact]
    public void PingAnswers_BeforeTheMonitorCaughtUp_IsReady()
    {
        var (ready, detail) = StoreReadiness.Decide(true, Healthy.Next(null, T0.AddSeconds(2)));

        Assert.True(ready);
        Assert.StartsWith("store: primary answers; last read no writable primary", detail, StringComparison.Ordinal);
        Assert.Equal((true, "store: not read yet"), StoreReadiness.Decide(true, ClusterState.NotRead));
    }

    [Fact]
    public void OnePartition_GivesExactlyThatPartitionsAnswer_AndAStoppedWriterIsNotReady()
    {
        Assert.Equal(StoreReadiness.Decide(true, Healthy), StoreReadiness.Decide([new PartitionCheck(0, true, true, Healthy)]));
        Assert.Equal((true, null), StoreReadiness.Decide([new PartitionCheck(0, true, true, null)]));
        Assert.Equal((false, "writer stopped"), StoreReadiness.Decide([new PartitionCheck(0, false, false, Healthy)]));
    }

    [Fact]
    public void SeveralPartitions_AllWithAPrimary_IsReady_AndTheDetailGivesEachPartition()
    {
        var other = ClusterState.NotRead.Next(ClusterStateTests.Primary("10.0.2.5:5432", 7, "zone_c"), T0);

        var (ready, detail) = StoreReadiness.Decide([new PartitionCheck(0, true, true, Healthy), new PartitionCheck(1, true, true, other)]);

        Assert.True(ready);
        Assert.Equal(
            "partition 0: store: primary 10.0.1.5:5432, timeline 3, sync standby zone_b; partition 1: store: primary 10.0.2.5:5432, timeline 7, sync standby zone_c",
            detail);
    }

    [Fact]
    public void SeveralPartitions_OneWithoutAPrimary_StaysReady_AndTheDetailNamesOnlyThatPartition()
    {
        var lost = Healthy.Next(null, T0.AddSeconds(2));

        var (ready, detail) = StoreReadiness.Decide(
            [new PartitionCheck(0, true, true, Healthy), new PartitionCheck(1, true, false, lost), new PartitionCheck(2, true, true, Healthy)]);

        // Every node shares partition 1: pulling them all would refuse the other partitions' voters too.
        Assert.True(ready);
        Assert.Equal("partition 1: no writable primary: failover in progress or database down (unreachable)", detail);
    }

    [Fact]
    public void SeveralPartitions_EachPartitionNotReady_IsNamedWithItsOwnReason()
    {
        var (ready, detail) = StoreReadiness.Decide(
            [new PartitionCheck(0, false, false, Healthy), new PartitionCheck(1, true, true, Healthy), new PartitionCheck(2, true, false, Healthy)]);

        Assert.False(ready);
        Assert.Equal(
            "partition 0: writer stopped; partition 2: store unreachable; last read primary 10.0.1.5:5432, timeline 3, sync standby zone_b", detail);
    }

    [Fact]
    public void SeveralPartitions_NoneWithAPrimary_IsNotReady_AndNamesEach()
    {
        var lost = Healthy.Next(null, T0.AddSeconds(2));

        var (ready, detail) = StoreReadiness.Decide([new PartitionCheck(0, true, false, lost), new PartitionCheck(1, true, false, lost)]);

        Assert.False(ready);
        Assert.Contains("partition 0: no writable primary", detail, StringComparison.Ordinal);
        Assert.Contains("partition 1: no writable primary", detail, StringComparison.Ordinal);
    }

    [Fact]
    public void DescribeAll_WithoutMonitors_IsTheOneEmbeddedStore()
    {
        var states = StoreReadiness.DescribeAll([]);

        Assert.Equal("embedded", Assert.Single(states).Status);
    }
}
