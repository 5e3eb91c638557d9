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
}
