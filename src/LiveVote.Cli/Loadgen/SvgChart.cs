using System.Globalization;
using System.Net;
using System.Text;

namespace LiveVote.Cli.Loadgen;

/// <summary>
/// A two-panel SVG of the run over time, drawn by hand (no charting dependency): answers per second on top, write
/// latency p50/p99 (and results-read and vote-to-visible p99) below, on a log scale so one stall does not flatten the rest.
/// </summary>
internal static class SvgChart
{
    private const int Width = 900;
    private const int PanelHeight = 220;
    private const int Left = 70;
    private const int Right = 150;
    private const int Top = 40;
    private const int Gap = 60;
    private static readonly int[] NiceSteps = [1, 2, 5, 10];

    public static string Render(string title, IReadOnlyList<SeriesPoint> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var svg = new StringBuilder();
        var height = Top + PanelHeight * 2 + Gap + 40;
        Append(svg, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" font-family=\"sans-serif\" font-size=\"12\">");
        Append(svg, $"<rect width=\"{Width}\" height=\"{height}\" fill=\"white\"/>");
        Append(svg, $"<text x=\"{Left}\" y=\"22\" font-size=\"15\" font-weight=\"bold\">{WebUtility.HtmlEncode(title)}</text>");
        var seconds = Math.Max(1, series.Count);
        var throughputMax = NiceCeiling(series.Count == 0 ? 1 : series.Max(p => (double)p.Answered));
        Panel(svg, Top, "answers / s", [0, throughputMax / 2, throughputMax], seconds);
        Line(svg, series, p => p.Answered, v => Top + PanelHeight - v / throughputMax * PanelHeight, seconds, "#1f77b4");
        Legend(svg, Top, [("answers/s", "#1f77b4")]);

        var latencyTop = Top + PanelHeight + Gap;
        var latencyMax = NiceCeiling(Math.Max(1, series.Count == 0 ? 1 : series.Max(p => Math.Max(p.WriteMaxMs, Math.Max(p.ResultsReadP99Ms, p.VisibleP99Ms)))));
        var logMax = Math.Log10(latencyMax * 10);
        double LatencyY(double ms) => latencyTop + PanelHeight - Math.Log10(Math.Max(ms, 0.1) * 10) / logMax * PanelHeight;
        var ticks = new List<double>();
        for (var t = 0.1; t <= latencyMax * 1.0001; t *= 10)
        {
            ticks.Add(t);
        }

        Panel(svg, latencyTop, "latency (ms, log)", [], seconds);
        foreach (var tick in ticks)
        {
            var y = LatencyY(tick);
            Append(svg, $"<line x1=\"{Left}\" y1=\"{y:F1}\" x2=\"{Width - Right}\" y2=\"{y:F1}\" stroke=\"#ddd\"/>");
            Append(svg, $"<text x=\"{Left - 6}\" y=\"{y + 4:F1}\" text-anchor=\"end\">{tick:G4}</text>");
        }

        Line(svg, series, p => p.WriteP50Ms, LatencyY, seconds, "#2ca02c");
        Line(svg, series, p => p.WriteP99Ms, LatencyY, seconds, "#d62728");
        Line(svg, series, p => p.ResultsReadP99Ms, LatencyY, seconds, "#9467bd");
        Line(svg, series, p => p.VisibleP99Ms, LatencyY, seconds, "#ff7f0e");
        Legend(svg, latencyTop, [("write p50", "#2ca02c"), ("write p99", "#d62728"), ("results read p99", "#9467bd"), ("vote-to-visible p99", "#ff7f0e")]);
        Append(svg, $"<text x=\"{(Left + Width - Right) / 2}\" y=\"{height - 8}\" text-anchor=\"middle\">seconds into the run</text>");
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    private static void Panel(StringBuilder svg, int top, string label, double[] ticks, int seconds)
    {
        Append(svg, $"<rect x=\"{Left}\" y=\"{top}\" width=\"{Width - Left - Right}\" height=\"{PanelHeight}\" fill=\"none\" stroke=\"#999\"/>");
        Append(svg, $"<text x=\"14\" y=\"{top + PanelHeight / 2}\" transform=\"rotate(-90 14 {top + PanelHeight / 2})\" text-anchor=\"middle\">{label}</text>");
        foreach (var tick in ticks)
        {
            var y = top + PanelHeight - tick / ticks[^1] * PanelHeight;
            Append(svg, $"<line x1=\"{Left}\" y1=\"{y:F1}\" x2=\"{Width - Right}\" y2=\"{y:F1}\" stroke=\"#ddd\"/>");
            Append(svg, $"<text x=\"{Left - 6}\" y=\"{y + 4:F1}\" text-anchor=\"end\">{tick:N0}</text>");
        }

        var step = Math.Max(1, (int)Math.Ceiling(seconds / 10.0));
        for (var s = 0; s <= seconds; s += step)
        {
            var x = X(s, seconds);
            Append(svg, $"<text x=\"{x:F1}\" y=\"{top + PanelHeight + 16}\" text-anchor=\"middle\">{s}</text>");
        }
    }

    private static void Line(StringBuilder svg, IReadOnlyList<SeriesPoint> series, Func<SeriesPoint, double> value, Func<double, double> y, int seconds, string colour)
    {
        if (series.Count == 0)
        {
            return;
        }

        var points = string.Join(' ', series.Select(p => string.Create(CultureInfo.InvariantCulture, $"{X(p.Second, seconds):F1},{y(value(p)):F1}")));
        Append(svg, $"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{points}\"/>");
    }

    private static void Legend(StringBuilder svg, int top, (string Label, string Colour)[] entries)
    {
        for (var i = 0; i < entries.Length; i++)
        {
            var y = top + 14 + i * 18;
            Append(svg, $"<line x1=\"{Width - Right + 10}\" y1=\"{y - 4}\" x2=\"{Width - Right + 28}\" y2=\"{y - 4}\" stroke=\"{entries[i].Colour}\" stroke-width=\"3\"/>");
            Append(svg, $"<text x=\"{Width - Right + 32}\" y=\"{y}\">{entries[i].Label}</text>");
        }
    }

    private static double X(double second, int seconds) => Left + second / seconds * (Width - Left - Right);

    private static double NiceCeiling(double value)
    {
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(Math.Max(value, 1))));
        return NiceSteps.Select(m => m * magnitude).First(c => c >= value);
    }

    private static void Append(StringBuilder svg, FormattableString line) => svg.AppendLine(line.ToString(CultureInfo.InvariantCulture));
}
