using System.Globalization;
using System.Text;

namespace LiveVote.ShowSim;

/// <summary>The reports as Markdown tables: one summary row per run, then each run's clusters.</summary>
internal static class MarkdownReport
{
    public static string Summary(IReadOnlyList<SimReport> runs)
    {
        var text = new StringBuilder();
        text.AppendLine("| clusters | nodes | failover | votes | peak load per cluster | 503 rate, all requests | 503 rate, failed clusters (max; share of their voters who saw one) | 503 rate, other clusters (max) | write p50 | write p99, healthy clusters (max) | write p99, failed clusters (max) | max queue depth per node, healthy / failed | last retried vote in at | every vote in at |");
        text.AppendLine("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var run in runs)
        {
            var s = run.Settings;
            var failed = run.Clusters.Where(c => s.FailsOver(c.Cluster)).ToList();
            var healthy = run.Clusters.Where(c => !s.FailsOver(c.Cluster)).ToList();
            var capacity = 1 / s.CommitPerVoteSeconds;
            var perCluster = s.Curve.PeakPerSecond / s.Clusters;
            text.Append(CultureInfo.InvariantCulture, $"| {s.Clusters} | {s.Nodes} | {Failover(s)} ");
            text.Append(CultureInfo.InvariantCulture, $"| {run.Votes:N0} | {perCluster:N0}/s ({perCluster / capacity:P0} of {capacity:N0}) | {run.RefusedRate:P2} ");
            text.Append(CultureInfo.InvariantCulture, $"| {(failed.Count == 0 ? "-" : $"{failed.Max(c => c.RefusedRate):P1} ({failed.Max(c => (double)c.VotersRefused / c.Votes):P1})")} | {(healthy.Count == 0 ? "-" : healthy.Max(c => c.RefusedRate).ToString("P2", CultureInfo.InvariantCulture))} ");
            text.Append(CultureInfo.InvariantCulture, $"| {run.P50Ms:N0} ms | {(healthy.Count == 0 ? "-" : $"{healthy.Max(c => c.P99Ms):N0} ms")} | {(failed.Count == 0 ? "-" : $"{failed.Max(c => c.P99Ms):N0} ms")} ");
            text.Append(CultureInfo.InvariantCulture, $"| {(healthy.Count == 0 ? "-" : healthy.Max(c => c.MaxQueueDepth).ToString("N0", CultureInfo.InvariantCulture))} / {(failed.Count == 0 ? "-" : failed.Max(c => c.MaxQueueDepth).ToString("N0", CultureInfo.InvariantCulture))} ");
            var retried = run.Clusters.Max(c => c.LastRetriedAnswerSeconds);
            text.Append(CultureInfo.InvariantCulture, $"| {(retried == 0 ? "-" : $"t={retried:N1} s")} | t={run.LastAnswerSeconds:N1} s |");
            text.AppendLine();
        }

        return text.ToString();
    }

    public static string PerCluster(SimReport run)
    {
        var s = run.Settings;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{s.Clusters} clusters, {s.Nodes} nodes, failover: {Failover(s)}, seed {s.Seed}");
        text.AppendLine();
        text.AppendLine("| cluster | votes | stored | 201 | 200 | requests | 503 | 503 rate | voters who saw a 503 | write p50 | write p99 | write max | max queue depth per node | last retried vote in at | last answer at |");
        text.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var c in run.Clusters)
        {
            text.Append(CultureInfo.InvariantCulture, $"| {c.Cluster} | {c.Votes:N0} | {c.Stored:N0} | {c.Created:N0} | {c.Duplicates:N0} | {c.Attempts:N0} | {c.Refused:N0} | {c.RefusedRate:P2} ");
            text.Append(CultureInfo.InvariantCulture, $"| {c.VotersRefused:N0} | {c.P50Ms:N0} ms | {c.P99Ms:N0} ms | {c.MaxMs:N0} ms | {c.MaxQueueDepth:N0} | {(c.LastRetriedAnswerSeconds == 0 ? "-" : $"t={c.LastRetriedAnswerSeconds:N1} s")} | t={c.LastAnswerSeconds:N1} s |");
            text.AppendLine();
        }

        return text.ToString();
    }

    private static string Failover(SimSettings s) => s.FailoverClusters switch
    {
        0 => "none",
        1 => string.Create(CultureInfo.InvariantCulture, $"cluster 0, {s.FailoverSeconds:0.#} s at t={s.FailoverAtSeconds:0.#} s"),
        var n => string.Create(CultureInfo.InvariantCulture, $"clusters 0-{n - 1} at once, {s.FailoverSeconds:0.#} s at t={s.FailoverAtSeconds:0.#} s"),
    };
}
