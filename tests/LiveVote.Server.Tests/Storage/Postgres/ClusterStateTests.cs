using LiveVote.Server.Storage.Postgres;

namespace LiveVote.Server.Tests.Storage.Postgres;

/// <summary>How a reading changes the state: failovers counted from timelines, the time of the last change, the summary.</summary>
public sealed class ClusterStateTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    internal static ClusterReading Primary(string member, long timeline, params string[] sync) =>
        new(true, member, timeline, true, sync, sync.ToDictionary(s => s, _ => 0.0));

    [Fact]
    public void FirstReading_SetsTheStateWithoutCountingAFailover()
    {
        var state = ClusterState.NotRead.Next(Primary("10.0.1.5:5432", 3, "zone_b"), T0);

        Assert.True(state.PrimaryReachable);
        Assert.Equal("10.0.1.5:5432", state.Member);
        Assert.Equal(3, state.Timeline);
        Assert.Equal(["zone_b"], state.SyncStandbys);
        Assert.Equal(0, state.Failovers);
        Assert.Equal(T0, state.Since);
        Assert.Equal("primary", state.Status);
        Assert.Equal("primary 10.0.1.5:5432, timeline 3, sync standby zone_b", state.Summary());
    }

    [Fact]
    public void LaterTimeline_AfterAGapWithoutPrimary_CountsOneFailover()
    {
        var state = ClusterState.NotRead.Next(Primary("10.0.1.5:5432", 3, "zone_b"), T0)
            .Next(null, T0.AddSeconds(2))
            .Next(null, T0.AddSeconds(4));

        Assert.False(state.PrimaryReachable);
        Assert.Equal("no-primary", state.Status);
        Assert.Equal(3, state.Timeline);
        Assert.Equal(T0.AddSeconds(2), state.Since);
        Assert.StartsWith("no writable primary", state.Summary(), StringComparison.Ordinal);

        state = state.Next(Primary("10.0.2.5:5432", 4), T0.AddSeconds(6));
        Assert.Equal(1, state.Failovers);
        Assert.Equal("10.0.2.5:5432", state.Member);
        Assert.Equal(4, state.Timeline);
        Assert.Equal("no-sync-standby", state.Status);
        Assert.True(state.WritesWait);
        Assert.Equal("primary 10.0.2.5:5432, timeline 4, no synchronous standby: writes wait", state.Summary());

        state = state.Next(Primary("10.0.2.5:5432", 4, "zone_a"), T0.AddSeconds(8)).Next(Primary("10.0.2.5:5432", 4, "zone_a"), T0.AddSeconds(10));
        Assert.Equal(1, state.Failovers);
        Assert.Equal(T0.AddSeconds(8), state.Since);
        Assert.Equal(T0.AddSeconds(10), state.ReadAt);
    }

    [Fact]
    public void ServerInRecovery_IsNoPrimary_AndKeepsTheLastPrimarysTimeline()
    {
        var state = ClusterState.NotRead.Next(Primary("10.0.1.5:5432", 3, "zone_b"), T0)
            .Next(new ClusterReading(false, "10.0.1.5:5432", null, true, [], new Dictionary<string, double>()), T0.AddSeconds(2));

        Assert.False(state.PrimaryReachable);
        Assert.Equal(3, state.Timeline);
        Assert.Empty(state.SyncStandbys);
        Assert.Equal("no writable primary: failover in progress (10.0.1.5:5432 is in recovery)", state.Summary());
    }

    [Fact]
    public void PrimaryWithoutSynchronousReplication_DoesNotSayWritesWait()
    {
        var state = ClusterState.NotRead.Next(new ClusterReading(true, "127.0.0.1:5432", 1, false, [], new Dictionary<string, double>()), T0);

        Assert.False(state.WritesWait);
        Assert.Equal("primary", state.Status);
        Assert.Equal("primary 127.0.0.1:5432, timeline 1, synchronous replication off", state.Summary());
    }
}
