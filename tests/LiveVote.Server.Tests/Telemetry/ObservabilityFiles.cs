using System.Text.Json;
using System.Text.RegularExpressions;

namespace LiveVote.Server.Tests.Telemetry;

/// <summary>deploy/observability/, copied beside the test assembly (see the test project).</summary>
public static partial class ObservabilityFiles
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "observability");

    public static string Dashboard => Path.Combine(Directory, "livevote-dashboard.json");

    public static string AlertRules => Path.Combine(Directory, "livevote-alerts.yml");

    /// <summary>promtool unit tests of the alert rules (<c>promtool test rules</c>).</summary>
    public static string AlertRuleTests => Path.Combine(Directory, "livevote-alerts.test.yml");

    public static string PrometheusConfig => Path.Combine(Directory, "prometheus.yml");

    /// <summary>Every panel's PromQL (rows' nested panels included), with the panel's title.</summary>
    public static IEnumerable<(string Panel, string Expr)> DashboardQueries()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Dashboard));
        var found = new List<(string, string)>();
        Collect(json.RootElement.GetProperty("panels"), found);
        return found;
    }

    /// <summary>
    /// The metric names a PromQL expression reads: what is left once label matchers, grouping clauses and ranges are
    /// removed, minus function names (followed by a parenthesis) and operators.
    /// </summary>
    public static IEnumerable<string> MetricNames(string promql)
    {
        var bare = Ranges().Replace(Grouping().Replace(Matchers().Replace(promql, " "), " "), " ");
        return Identifier().Matches(bare).Select(m => m.Value)
            .Where(name => !Keywords.Contains(name) && !CallFollows(bare, name))
            .Distinct();
    }

    /// <summary>The sample names of a Prometheus text exposition (histograms give their _bucket, _sum and _count).</summary>
    public static HashSet<string> ExportedNames(string exposition) =>
        [.. exposition.Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Split('{', ' ')[0])];

    private static readonly HashSet<string> Keywords = ["and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring"];

    private static bool CallFollows(string expr, string name) => Regex.IsMatch(expr, $@"\b{Regex.Escape(name)}\s*\(");

    private static void Collect(JsonElement panels, List<(string, string)> found)
    {
        foreach (var panel in panels.EnumerateArray())
        {
            var title = panel.TryGetProperty("title", out var t) ? t.GetString() ?? "" : "";
            if (panel.TryGetProperty("targets", out var targets))
            {
                foreach (var target in targets.EnumerateArray())
                {
                    found.Add((title, target.GetProperty("expr").GetString()!));
                }
            }

            if (panel.TryGetProperty("panels", out var nested))
            {
                Collect(nested, found);
            }
        }
    }

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Matchers();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Ranges();

    [GeneratedRegex(@"\b[a-zA-Z_:][a-zA-Z0-9_:]*\b")]
    private static partial Regex Identifier();
}
