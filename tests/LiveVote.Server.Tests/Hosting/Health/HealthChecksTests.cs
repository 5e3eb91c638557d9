using LiveVote.Server.Hosting;
using LiveVote.Server.Hosting.Health;
using LiveVote.Server.Hosting.Shutdown;
using LiveVote.Server.Storage;
using LiveVote.Server.Storage.Postgres;
using LiveVote.Server.Storage.Sqlite;
using LiveVote.Server.Tests.Storage.Postgres;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Tests.Hosting.Health;

/// <summary>Each readiness check on its own, without I/O.</summary>
public sealed class HealthChecksTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);
    private static readonly DataFolder Folder = new("/data/livevote");

    [Theory]
    [InlineData(2048L, 1024L, HealthStatus.Healthy)]
    [InlineData(1024L, 1024L, HealthStatus.Healthy)]
    [InlineData(1023L, 1024L, HealthStatus.Unhealthy)]
    [InlineData(0L, 0L, HealthStatus.Healthy)]
    public async Task Disk_UnhealthyBelowTheThreshold(long freeMiB, long minMiB, HealthStatus expected)
    {
        string? asked = null;
        var check = new DiskSpaceHealthCheck(Options.Create(new HealthOptions { MinFreeDiskMiB = minMiB }), Folder, path =>
        {
            asked = path;
            return freeMiB * 1024 * 1024;
        });

        var result = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(expected, result.Status);
        if (minMiB > 0)
        {
            Assert.Equal(Folder.Path, asked);
            Assert.Equal($"{freeMiB} MiB free on the disk of /data/livevote, {minMiB} MiB required", result.Description);
        }
    }

    [Fact]
    public void DataFolder_IsTheSqliteFilesFolder_ElseTheDataDirectory()
    {
        var sqlite = new SqliteOptions { Path = "/srv/votes/livevote.db" };

        Assert.Equal("/srv/votes", DataFolder.From(new StorageOptions { DataDirectory = "/srv/node" }, sqlite).Path);
        Assert.Equal("/srv/node", DataFolder.From(new StorageOptions { DataDirectory = "/srv/node", Storage = StorageKind.Postgres }, sqlite).Path);
    }

    [Fact]
    public void SyncStandby_MissingIsDegraded_NeverUnhealthy()
    {
        var withStandby = ClusterState.NotRead.Next(ClusterStateTests.Primary("10.0.1.5:5432", 3, "zone_b"), T0);
        var without = withStandby.Next(ClusterStateTests.Primary("10.0.1.5:5432", 3), T0.AddSeconds(2));

        Assert.Equal(HealthStatus.Healthy, SyncStandbyHealthCheck.Check([]).Status);
        Assert.Equal(HealthStatus.Healthy, SyncStandbyHealthCheck.Check([(0, withStandby), (1, ClusterState.NotRead)]).Status);
        var degraded = SyncStandbyHealthCheck.Check([(0, withStandby), (1, without)]);
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.Equal("no synchronous standby: writes wait in partition 1", degraded.Description);
    }

    [Fact]
    public async Task Writer_UnhealthyWhenAnyPartitionsWriterStopped()
    {
        var running = new StoreProbe(() => true, _ => Task.FromResult(true));
        var stopped = new StoreProbe(() => false, _ => Task.FromResult(true));

        Assert.Equal(HealthStatus.Healthy, (await new WriterHealthCheck(new StoreProbes([running, running])).CheckHealthAsync(new HealthCheckContext())).Status);
        var one = await new WriterHealthCheck(new StoreProbes([stopped])).CheckHealthAsync(new HealthCheckContext());
        var several = await new WriterHealthCheck(new StoreProbes([running, stopped])).CheckHealthAsync(new HealthCheckContext());
        Assert.Equal((HealthStatus.Unhealthy, "writer stopped"), (one.Status, one.Description));
        Assert.Equal((HealthStatus.Unhealthy, "partition 1: writer stopped"), (several.Status, several.Description));
    }

    [Fact]
    public async Task Store_FollowsTheStoreReadinessRule()
    {
        var answers = new StoreProbe(() => true, _ => Task.FromResult(true));
        var silent = new StoreProbe(() => true, _ => Task.FromResult(false));

        var ready = await new StoreHealthCheck(new StoreProbes([answers]), []).CheckHealthAsync(new HealthCheckContext());
        var unreachable = await new StoreHealthCheck(new StoreProbes([silent]), []).CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Healthy, ready.Status);
        Assert.Equal((HealthStatus.Unhealthy, "store unreachable"), (unreachable.Status, unreachable.Description));
    }

    [Fact]
    public async Task Draining_UnhealthyOnceBegun()
    {
        var draining = new Draining();
        var check = new DrainingHealthCheck(draining);

        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);
        Assert.True(draining.Begin());
        Assert.False(draining.Begin());
        Assert.Equal(HealthStatus.Unhealthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);
    }
}
