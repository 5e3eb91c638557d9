using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace LiveVote.Server.Tests.Storage.Postgres;

/// <summary>
/// Issue 14: readiness, the console's stats and /metrics know the store's state, read by the node's
/// <c>ClusterStateMonitor</c> through its own connection. A primary with two synchronous standbys
/// (<see cref="PostgresReplicaSet"/>) and one node; every wait has a deadline, none is a timing assertion.
/// </summary>
public sealed partial class ClusterStateMonitorTests(ITestOutputHelper output) : ReplicaSetNodeTestBase("state-node")
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    [Fact]
    public async Task SyncStandbys_FallToZeroWhenTheStandbysStop_NodeStaysReadyAndSaysWritesWait_ThenTheyComeBack()
    {
        var zones = Zones;
        var client = Server.Client();
        var primary = $"127.0.0.1:{zones.Primary.Port}";

        var (status, health) = await ReadinessWhenAsync(client, h => h.Store?.Status == "primary" && h.Store.SyncStandbys.Count == 2);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal($"store: primary {primary}, timeline 1, sync standbys zone_b, zone_c", health.Detail);
        var metrics = await MetricsWhenAsync(client, m => Value(m, "livevote_store_sync_standbys") == 2);
        Assert.Equal(1, Value(metrics, "livevote_store_primary_reachable"));
        Assert.Equal(1, Value(metrics, "livevote_store_timeline"));
        Assert.Equal(0, Value(metrics, "livevote_store_failovers_total"));

        await zones.StopStandbysAsync();
        (status, health) = await ReadinessWhenAsync(client, h => h.Store?.Status == "no-sync-standby");
        output.WriteLine($"standbys stopped: {(int)status} {health.Detail}");

        // Every node of the partition shares this primary: none leaves the load balancer for it (StoreReadiness).
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal($"store: primary {primary}, timeline 1, no synchronous standby: writes wait", health.Detail);
        Assert.Empty(health.Store!.SyncStandbys);
        var stats = await StoreOfStatsAsync(Server.AdminClient());
        Assert.Equal("no-sync-standby", stats.Status);
        Assert.Equal(primary, stats.Primary);
        metrics = await MetricsWhenAsync(client, m => Value(m, "livevote_store_sync_standbys") == 0);
        Assert.Equal(1, Value(metrics, "livevote_store_primary_reachable"));

        await zones.StartStandbysAsync();
        (status, health) = await ReadinessWhenAsync(client, h => h.Store?.Status == "primary" && h.Store.SyncStandbys.Count == 2);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["zone_b", "zone_c"], health.Store!.SyncStandbys);
        await MetricsWhenAsync(client, m => Value(m, "livevote_store_sync_standbys") == 2);
    }

    [Fact]
    public async Task PrimaryLost_NodeIsNotReadyWithTheReason_ThenAPromotionIsSeenAsANewTimelineAndOneFailover()
    {
        var zones = Zones;
        var client = Server.Client();
        var (_, before) = await ReadinessWhenAsync(client, h => h.Store?.Status == "primary");
        var oldPrimary = before.Store!.Primary;
        Assert.Equal($"127.0.0.1:{zones.Primary.Port}", oldPrimary);
        Assert.Equal(1, before.Store.Timeline);
        Assert.Equal(0, before.Store.Failovers);

        // No writable primary anywhere (the standbys are in recovery): a 503 the load balancer can act on, with why.
        zones.KillPrimary();
        var (status, lost) = await ReadinessWhenAsync(client, h => h.Store?.Status == "no-primary");
        output.WriteLine($"primary killed: {(int)status} {lost.Detail}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("not-ready", lost.Status);
        Assert.StartsWith("no writable primary: failover in progress", lost.Detail, StringComparison.Ordinal);
        Assert.Null(lost.Store!.Primary);
        var metrics = await MetricsWhenAsync(client, m => Value(m, "livevote_store_primary_reachable") == 0);
        Assert.Null(Value(metrics, "livevote_store_sync_standbys"));

        var promoted = await zones.PromoteMostAdvancedStandbyAsync();
        await zones.RepointStandbysAsync();
        var after = await StoreOfStatsWhenAsync(Server.AdminClient(), s => s.Primary is not null && s.Failovers > 0);
        output.WriteLine($"after promoting {promoted}: {after.Summary}");
        Assert.Equal($"127.0.0.1:{promoted.Port}", after.Primary);
        Assert.NotEqual(oldPrimary, after.Primary);
        Assert.Equal(2, after.Timeline);
        Assert.Equal(1, after.Failovers);
        Assert.True(after.Since >= lost.Store.Since, $"since {after.Since} before {lost.Store.Since}");
        metrics = await MetricsWhenAsync(client, m => Value(m, "livevote_store_failovers_total") == 1);
        Assert.Equal(2, Value(metrics, "livevote_store_timeline"));
        Assert.Equal(1, Value(metrics, "livevote_store_primary_reachable"));
    }

    private async Task<(HttpStatusCode Status, HealthDto Health)> ReadinessWhenAsync(HttpClient client, Func<HealthDto, bool> done)
    {
        var last = (Status: default(HttpStatusCode), Health: new HealthDto("", null));
        var deadline = DateTime.UtcNow + Deadline;
        while (DateTime.UtcNow < deadline)
        {
            using var response = await client.GetAsync("/readyz");
            last = (response.StatusCode, (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.HealthDto))!);
            if (done(last.Health))
            {
                return last;
            }

            await Task.Delay(200);
        }

        output.WriteLine($"last readiness: {(int)last.Status} {last.Health}");
        Assert.Fail($"readiness never reached the expected state; last {(int)last.Status} {last.Health.Detail}");
        return last;
    }

    private static async Task<StoreStateDto> StoreOfStatsAsync(HttpClient admin)
    {
        using var response = await admin.GetAsync("/v1/admin/stats");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("store").Deserialize(ContractsJsonContext.Default.StoreStateDto)!;
    }

    private static async Task<StoreStateDto> StoreOfStatsWhenAsync(HttpClient admin, Func<StoreStateDto, bool> done)
    {
        var deadline = DateTime.UtcNow + Deadline;
        StoreStateDto last;
        while (!done(last = await StoreOfStatsAsync(admin)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.True(done(last), $"the console's store state never reached the expected one; last {last}");
        return last;
    }

    private static async Task<string> MetricsWhenAsync(HttpClient client, Func<string, bool> done)
    {
        var deadline = DateTime.UtcNow + Deadline;
        string metrics;
        while (!done(metrics = await client.GetStringAsync("/metrics")) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.True(done(metrics), "/metrics never showed the expected store state:\n" + string.Join('\n', metrics.Split('\n').Where(l => l.StartsWith("livevote_store", StringComparison.Ordinal))));
        return metrics;
    }

    /// <summary>The value of an unlabelled series (the exporter may add scope labels), or null when absent.</summary>
    private static double? Value(string exposition, string name) =>
        Sample().Matches(exposition).Where(m => m.Groups["name"].Value == name)
            .Select(m => (double?)double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)).FirstOrDefault();

    [GeneratedRegex("""^(?<name>[a-z_]+)(?:\{[^}]*\})? (?<value>[0-9.eE+-]+)""", RegexOptions.Multiline)]
    private static partial Regex Sample();
}
