using System.Globalization;
using System.Net;
using System.Text.Json;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Telemetry;

/// <summary>
/// Several servers in one process (as in this test run) each report their own gauges, on /metrics and in the
/// producer console's figures, not a sum over every server the process runs.
/// </summary>
public sealed class ServerGaugesTests
{
    [Fact]
    public async Task TwoServersInOneProcess_EachExportsItsOwnQueueCapacityAndOpenPolls()
    {
        await using var first = new LiveVoteServer(new Dictionary<string, string?> { ["LiveVote:Ingest:QueueCapacity"] = "1111" });
        await using var second = new LiveVoteServer(new Dictionary<string, string?> { ["LiveVote:Ingest:QueueCapacity"] = "2222" });
        await Api.CreateOpenPollAsync(first.AdminClient());

        var firstMetrics = await first.Client().GetStringAsync("/metrics");
        var secondMetrics = await second.Client().GetStringAsync("/metrics");

        Assert.Equal(1111, Sample(firstMetrics, "livevote_queue_capacity"));
        Assert.Equal(2222, Sample(secondMetrics, "livevote_queue_capacity"));
        Assert.Equal(1, Sample(firstMetrics, "livevote_polls_open"));
        Assert.Equal(0, Sample(secondMetrics, "livevote_polls_open"));
    }

    [Fact]
    public async Task TwoServersInOneProcess_AdminStatsShowEachItsOwnQueueCapacity()
    {
        await using var first = new LiveVoteServer(new Dictionary<string, string?> { ["LiveVote:Ingest:QueueCapacity"] = "3333" });
        await using var second = new LiveVoteServer(new Dictionary<string, string?> { ["LiveVote:Ingest:QueueCapacity"] = "4444" });

        Assert.Equal(3333, (await StatsAsync(first.AdminClient())).GetProperty("queueCapacity").GetInt64());
        Assert.Equal(4444, (await StatsAsync(second.AdminClient())).GetProperty("queueCapacity").GetInt64());
    }

    /// <summary>The value of the one sample of <paramref name="name"/> in a Prometheus text exposition.</summary>
    private static double Sample(string exposition, string name)
    {
        var line = Assert.Single(exposition.Split('\n'), l => l.Length > 0 && l[0] != '#' && l.Split('{', ' ')[0] == name);
        var afterLabels = line[(line.LastIndexOf('}') is var close and >= 0 ? close + 1 : name.Length)..];
        return double.Parse(afterLabels.Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    private static async Task<JsonElement> StatsAsync(HttpClient admin)
    {
        using var response = await admin.GetAsync("/v1/admin/stats");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }
}
