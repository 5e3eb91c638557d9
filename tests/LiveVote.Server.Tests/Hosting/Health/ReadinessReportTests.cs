using LiveVote.Contracts;
using LiveVote.Server.Hosting.Health;
using LiveVote.Server.Storage.Postgres;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LiveVote.Server.Tests.Hosting.Health;

/// <summary>/readyz's status and body from the health report, without I/O.</summary>
public sealed class ReadinessReportTests
{
    private static readonly IReadOnlyList<StoreStateDto> Embedded = [StoreReadiness.Embedded];

    [Fact]
    public void AllHealthy_IsReady_WithTheStoreDetail()
    {
        var (ready, health) = ReadinessReport.From(Report(store: HealthCheckResult.Healthy("store: primary a, timeline 1, sync standby b")), Embedded);

        Assert.True(ready);
        Assert.Equal("ready", health.Status);
        Assert.Equal("store: primary a, timeline 1, sync standby b", health.Detail);
        Assert.Equal("embedded", health.Store!.Status);
    }

    [Fact]
    public void Draining_Is503Draining_WhateverElseSays()
    {
        var (ready, health) = ReadinessReport.From(Report(draining: HealthCheckResult.Unhealthy("draining: the node is shutting down")), Embedded);

        Assert.False(ready);
        Assert.Equal("draining", health.Status);
        Assert.Equal("draining: the node is shutting down", health.Detail);
    }

    [Fact]
    public void NoSynchronousStandby_IsDegraded_AndStaysReady()
    {
        var (ready, health) = ReadinessReport.From(Report(
            store: HealthCheckResult.Healthy("store: primary a, timeline 1, no synchronous standby: writes wait"),
            syncStandby: HealthCheckResult.Degraded("no synchronous standby: writes wait in partition 0")), Embedded);

        Assert.True(ready);
        Assert.Equal("ready", health.Status);
        Assert.Equal("store: primary a, timeline 1, no synchronous standby: writes wait", health.Detail);
    }

    [Fact]
    public void DiskBelowThreshold_IsNotReady_AndTheDetailSaysWhy()
    {
        var (ready, health) = ReadinessReport.From(Report(disk: HealthCheckResult.Unhealthy("10 MiB free on the disk of /data, 1024 MiB required")), Embedded);

        Assert.False(ready);
        Assert.Equal("not-ready", health.Status);
        Assert.Equal("disk: 10 MiB free on the disk of /data, 1024 MiB required", health.Detail);
    }

    [Fact]
    public void WriterStopped_IsNotReady_SaidOnce()
    {
        var (ready, health) = ReadinessReport.From(Report(
            store: HealthCheckResult.Unhealthy("writer stopped"), writer: HealthCheckResult.Unhealthy("writer stopped")), Embedded);

        Assert.False(ready);
        Assert.Equal("writer stopped", health.Detail);
    }

    private static HealthReport Report(
        HealthCheckResult? draining = null, HealthCheckResult? writer = null, HealthCheckResult? store = null,
        HealthCheckResult? syncStandby = null, HealthCheckResult? disk = null)
    {
        var entries = new Dictionary<string, HealthReportEntry>
        {
            [DrainingHealthCheck.Name] = Entry(draining ?? HealthCheckResult.Healthy()),
            [WriterHealthCheck.Name] = Entry(writer ?? HealthCheckResult.Healthy()),
            [StoreHealthCheck.Name] = Entry(store ?? HealthCheckResult.Healthy()),
            [SyncStandbyHealthCheck.Name] = Entry(syncStandby ?? HealthCheckResult.Healthy()),
            [DiskSpaceHealthCheck.Name] = Entry(disk ?? HealthCheckResult.Healthy("70000 MiB free")),
        };
        return new HealthReport(entries, TimeSpan.Zero);
    }

    private static HealthReportEntry Entry(HealthCheckResult result) =>
        new(result.Status, result.Description, TimeSpan.Zero, result.Exception, result.Data);
}
