using System.Diagnostics;

namespace LiveVote.Server.Tests.Telemetry;

/// <summary>The alert rules and the example Prometheus configuration pass Prometheus's own checker.</summary>
public sealed class AlertRulesTests
{
    private const string Promtool = "/usr/bin/promtool";

    [Fact]
    public async Task AlertRules_PassPromtoolCheckRules()
    {
        var (exit, output) = await RunPromtoolAsync("check", "rules", ObservabilityFiles.AlertRules);

        Assert.True(exit == 0, output);
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// The store-state alerts fire on the series the PostgreSQL store exports, after their hold time, and clear again:
    /// promtool evaluates them over scripted series (deploy/observability/livevote-alerts.test.yml).
    /// </summary>
    [Fact]
    public async Task StoreStateAlerts_PassTheirPromtoolUnitTests()
    {
        var tests = await File.ReadAllTextAsync(ObservabilityFiles.AlertRuleTests);
        Assert.Contains("alertname: LiveVoteNoSyncStandby", tests, StringComparison.Ordinal);
        Assert.Contains("alertname: LiveVoteFailoverInProgress", tests, StringComparison.Ordinal);
        Assert.Contains("partition=\"1\"", tests, StringComparison.Ordinal);

        var (exit, output) = await RunPromtoolAsync("test", "rules", ObservabilityFiles.AlertRuleTests);

        Assert.True(exit == 0, output);
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExamplePrometheusConfig_PassesPromtoolCheckConfigWithItsRules()
    {
        var (exit, output) = await RunPromtoolAsync("check", "config", ObservabilityFiles.PrometheusConfig);

        Assert.True(exit == 0, output);
        Assert.Contains("1 rule files found", output, StringComparison.Ordinal);
    }

    [Fact]
    public void AlertRules_CoverEveryAlertTheShowNeeds()
    {
        var rules = File.ReadAllText(ObservabilityFiles.AlertRules);

        foreach (var alert in new[]
                 {
                     "LiveVoteHttp5xx", "LiveVoteStoreErrors", "LiveVoteWriteLatencyHigh", "LiveVoteQueueNearlyFull", "LiveVoteNoCommit",
                     "LiveVoteResultsStale", "LiveVoteStandbyLag", "LiveVoteNoSyncStandby", "LiveVoteFailoverInProgress",
                 })
        {
            Assert.Contains($"alert: {alert}\n", rules, StringComparison.Ordinal);
        }
    }

    /// <summary>The alerts on the store's and the queues' series keep each store partition apart, and name it.</summary>
    [Fact]
    public void StoreAndQueueAlerts_GroupByPartition()
    {
        var rules = File.ReadAllText(ObservabilityFiles.AlertRules);

        foreach (var alert in new[] { "LiveVoteStoreErrors", "LiveVoteQueueNearlyFull", "LiveVoteStandbyLag", "LiveVoteNoSyncStandby", "LiveVoteFailoverInProgress" })
        {
            var start = rules.IndexOf($"alert: {alert}\n", StringComparison.Ordinal);
            var end = rules.IndexOf("- alert:", start + 1, StringComparison.Ordinal);
            var rule = end < 0 ? rules[start..] : rules[start..end];
            Assert.Contains("{{ $labels.partition }}", rule, StringComparison.Ordinal);
            var expr = rule.Split('\n').Single(line => line.TrimStart().StartsWith("expr:", StringComparison.Ordinal));
            // FailoverInProgress compares each series as it is (no aggregation), so every label, partition too, stays.
            Assert.True(
                alert == "LiveVoteFailoverInProgress" || expr.Contains("partition", StringComparison.Ordinal),
                $"{alert} does not keep the partition apart: {expr}");
        }
    }

    [Fact]
    public void EveryAlert_HasARunbookLineInTheDesignDocument()
    {
        var alerts = System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(ObservabilityFiles.AlertRules), @"alert: (\w+)")
            .Select(m => m.Groups[1].Value).ToList();
        var design = File.ReadAllLines(Path.Combine(ObservabilityFiles.Directory, "design.md"));

        Assert.NotEmpty(alerts);
        Assert.All(alerts, alert => Assert.Contains(design, line => line.StartsWith($"| `{alert}` |", StringComparison.Ordinal)));
    }

    private static async Task<(int Exit, string Output)> RunPromtoolAsync(params string[] arguments)
    {
        Assert.True(File.Exists(Promtool), $"{Promtool} is missing: install Debian's prometheus package (test.sh does).");
        var start = new ProcessStartInfo(Promtool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
