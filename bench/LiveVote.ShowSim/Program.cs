using System.Globalization;
using System.Text;
using LiveVote.ShowSim;

// Runs the show simulation for each cluster count, without and with one cluster failing over, and prints Markdown.
// Usage (all optional): --clusters 8,10,12 --nodes 12 --failover-seconds 25 --failover-at 5 --seed 1 --peak 250000
//   --fixed-ms 11.7 --per-vote-us 28.7 --jitter 0.5 --zone-loss --per-cluster --out path.md
var defaults = new SimSettings();
var clusterCounts = Text("--clusters", "8,10,12").Split(',').Select(n => int.Parse(n, CultureInfo.InvariantCulture)).ToList();
var baseSettings = defaults with
{
    Nodes = (int)Number("--nodes", defaults.Nodes),
    FailoverSeconds = Number("--failover-seconds", defaults.FailoverSeconds),
    FailoverAtSeconds = Number("--failover-at", defaults.FailoverAtSeconds),
    Seed = (int)Number("--seed", defaults.Seed),
    RetryJitter = Number("--jitter", defaults.RetryJitter),
    CommitFixedSeconds = Number("--fixed-ms", defaults.CommitFixedSeconds * 1000) / 1000,
    CommitPerVoteSeconds = Number("--per-vote-us", defaults.CommitPerVoteSeconds * 1e6) / 1e6,
    Curve = defaults.Curve with { PeakPerSecond = Number("--peak", defaults.Curve.PeakPerSecond) },
};

var runs = new List<SimReport>();
foreach (var clusters in clusterCounts)
{
    // No failover, one cluster failing over, and (with --zone-loss) a third of them at once: a zone's primaries.
    var failovers = args.Contains("--zone-loss") ? new[] { 0, 1, (clusters + 2) / 3 } : [0, 1];
    foreach (var failing in failovers.Distinct())
    {
        var settings = baseSettings with { Clusters = clusters, FailoverClusters = failing };
        Console.Error.WriteLine($"simulating {clusters} clusters, {failing} failing over...");
        runs.Add(new ShowSimulation(settings).Run());
    }
}

var curve = baseSettings.Curve;
var output = new StringBuilder();
output.AppendLine(string.Create(CultureInfo.InvariantCulture,
    $"Show: ramp to {curve.PeakPerSecond:N0} votes/s over {curve.RampSeconds:0.#} s, held to {curve.HoldSeconds:0.#} s, then decaying (time constant {curve.DecaySeconds:0.#} s) until the poll closes at {curve.WindowSeconds:0.#} s: {curve.TotalVotes:N0} votes expected. " +
    $"Commit = {baseSettings.CommitFixedSeconds * 1000:0.##} ms fixed + {baseSettings.CommitPerVoteSeconds * 1e6:0.##} µs per vote of the primary's capacity; queue {baseSettings.QueueCapacity:N0} per cluster per node, batch {baseSettings.MaxBatchSize:N0}, " +
    $"commit deadline {baseSettings.CommitDeadlineSeconds:0.#} s, Retry-After {baseSettings.RetryAfterSeconds:0.#} s x (1 + U[0, {baseSettings.RetryJitter:0.##})), seed {baseSettings.Seed}."));
output.AppendLine();
output.Append(MarkdownReport.Summary(runs));
if (args.Contains("--per-cluster"))
{
    foreach (var run in runs)
    {
        output.AppendLine();
        output.Append(MarkdownReport.PerCluster(run));
    }
}

Console.Write(output);
var outPath = Text("--out", "");
if (outPath.Length > 0)
{
    await File.WriteAllTextAsync(outPath, output.ToString());
}

// Every vote must have been stored exactly once and answered once, or the model is wrong, not the fleet.
return runs.All(r => r.Stored == r.Votes && r.Clusters.All(c => c.Created + c.Duplicates == c.Votes)) ? 0 : 1;

string Text(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

double Number(string name, double fallback) => double.Parse(Text(name, fallback.ToString("R", CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
