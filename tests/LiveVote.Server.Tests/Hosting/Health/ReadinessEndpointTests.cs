using System.Net;
using System.Net.Http.Json;
using LiveVote.Contracts;
using LiveVote.Server.Hosting.Health;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Tests.Hosting.Health;

/// <summary>/readyz through the real server is computed from the registered health checks; /healthz runs none.</summary>
public sealed class ReadinessEndpointTests
{
    [Fact]
    public async Task ReadinessChecks_AreRegisteredAndTagged()
    {
        await using var server = new LiveVoteServer();

        var registrations = server.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations;

        Assert.Equal(
            [DiskSpaceHealthCheck.Name, DrainingHealthCheck.Name, StoreHealthCheck.Name, SyncStandbyHealthCheck.Name, WriterHealthCheck.Name],
            registrations.Where(r => r.Tags.Contains(HealthSetup.ReadyTag)).Select(r => r.Name).Order(StringComparer.Ordinal));
        var report = await server.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, report.Status);
    }

    [Fact]
    public async Task DiskBelowTheThreshold_ReadinessIs503_LivenessStays200()
    {
        // 1 TiB, the most the option takes: more than this machine's disk has free.
        await using var server = new LiveVoteServer(new Dictionary<string, string?> { ["LiveVote:Health:MinFreeDiskMiB"] = "1048576" });
        var client = server.Client();

        using var ready = await client.GetAsync("/readyz");
        var health = await ready.Content.ReadFromJsonAsync(ContractsJsonContext.Default.HealthDto);
        using var live = await client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("not-ready", health!.Status);
        Assert.StartsWith("disk: ", health.Detail, StringComparison.Ordinal);
        Assert.EndsWith(", 1048576 MiB required", health.Detail, StringComparison.Ordinal);
        Assert.Equal("embedded", health.Store!.Status);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }
}
