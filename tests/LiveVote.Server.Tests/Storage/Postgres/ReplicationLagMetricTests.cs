using System.Globalization;
using System.Text.RegularExpressions;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Storage.Postgres;

/// <summary>The standbys' replication lag, read from the primary, is exported per standby on /metrics.</summary>
public sealed partial class ReplicationLagMetricTests : IAsyncLifetime
{
    private PostgresReplicaSet? _zones;
    private LiveVoteServer? _node;

    public async Task InitializeAsync()
    {
        _zones = await PostgresReplicaSet.StartAsync();
        _node = new LiveVoteServer(new Dictionary<string, string?>
        {
            ["LiveVote:Storage"] = "Postgres",
            ["LiveVote:Postgres:ConnectionString"] = _zones.MultiHostConnectionString,
        });
    }

    public async Task DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }

        if (_zones is not null)
        {
            await _zones.DisposeAsync();
        }
    }

    [Fact]
    public async Task Metrics_ShowTheReplicationLagOfEachSynchronousStandby()
    {
        var client = _node!.Client();
        var seen = new Dictionary<string, double>();
        var deadline = Environment.TickCount64 + 30_000;
        while (seen.Count < 2 && Environment.TickCount64 < deadline)
        {
            var metrics = await client.GetStringAsync("/metrics");
            foreach (Match match in LagLine().Matches(metrics))
            {
                seen[match.Groups["standby"].Value] = double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
            }

            await Task.Delay(500);
        }

        Assert.Contains("zone_b", seen.Keys);
        Assert.Contains("zone_c", seen.Keys);
        Assert.All(seen.Values, lag => Assert.True(lag >= 0, $"lag {lag}"));
    }

    [GeneratedRegex("""^livevote_store_replication_lag_seconds\{[^}]*standby="(?<standby>[^"]+)"[^}]*\} (?<value>[0-9.eE+-]+)""", RegexOptions.Multiline)]
    private static partial Regex LagLine();
}
