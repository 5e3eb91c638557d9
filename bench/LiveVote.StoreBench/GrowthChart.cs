using System.Globalization;
using System.Net;
using System.Text;

namespace LiveVote.StoreBench;

/// <summary>
/// Stacked SVG panels of figures against stored votes (millions on the x axis), drawn by hand in the style of the load
/// generator's chart (src/LiveVote.Cli/Loadgen/SvgChart.cs): white background, grey frame and grid, legend on the right.
/// Each panel's y axis starts at 0, so a flat line reads as flat.
/// </summary>
internal static class GrowthChart
{
    private const int Width = 900;
    private const int PanelHeight = 220;
    private const int Left = 70;
    private const int Right = 170;
    private const int Top = 40;
    private const int Gap = 60;
    private static readonly int[] NiceSteps = [1, 2, 5, 10];

    public sealed record Panel(string Label, IReadOnlyList<(string Label, string Colour, List<(long Stored, double Value)> Points)> Series);

    public static string Render(string title, IReadOnlyList<Panel> panels)
    {
        var svg = new StringBuilder();
        var height = Top + panels.Count * (PanelHeight + Gap) + 10;
        var maxStored = Math.Max(1, panels.SelectMany(p => p.Series).SelectMany(s => s.Points).Select(p => p.Stored).DefaultIfEmpty(1).Max());
        var millions = Math.Max(1, (int)Math.Ceiling(maxStored / 1e6));
        Append(svg, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" font-family=\"sans-serif\" font-size=\"12\">");
        Append(svg, $"<rect width=\"{Width}\" height=\"{height}\" fill=\"white\"/>");
        Append(svg, $"<text x=\"{Left}\" y=\"22\" font-size=\"15\" font-weight=\"bold\">{WebUtility.HtmlEncode(title)}</text>");
        for (var i = 0; i < panels.Count; i++)
        {
            var top = Top + i * (PanelHeight + Gap);
            var max = NiceCeiling(panels[i].Series.SelectMany(s => s.Points).Select(p => p.Value).DefaultIfEmpty(1).Max());
            Frame(svg, top, panels[i].Label, max, millions);
            for (var s = 0; s < panels[i].Series.Count; s++)
            {
                var (label, colour, points) = panels[i].Series[s];
                var line = string.Join(' ', points.Select(p => string.Create(CultureInfo.InvariantCulture,
                    $"{X(p.Stored / 1e6, millions):F1},{top + PanelHeight - p.Value / max * PanelHeight:F1}")));
                Append(svg, $"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{line}\"/>");
                var y = top + 14 + s * 18;
                Append(svg, $"<line x1=\"{Width - Right + 10}\" y1=\"{y - 4}\" x2=\"{Width - Right + 28}\" y2=\"{y - 4}\" stroke=\"{colour}\" stroke-width=\"3\"/>");
                Append(svg, $"<text x=\"{Width - Right + 32}\" y=\"{y}\">{WebUtility.HtmlEncode(label)}</text>");
            }
        }

        Append(svg, $"<text x=\"{(Left + Width - Right) / 2}\" y=\"{height - 8}\" text-anchor=\"middle\">stored votes (millions)</text>");
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    private static void Frame(StringBuilder svg, int top, string label, double max, int millions)
    {
        Append(svg, $"<rect x=\"{Left}\" y=\"{top}\" width=\"{Width - Left - Right}\" height=\"{PanelHeight}\" fill=\"none\" stroke=\"#999\"/>");
        Append(svg, $"<text x=\"14\" y=\"{top + PanelHeight / 2}\" transform=\"rotate(-90 14 {top + PanelHeight / 2})\" text-anchor=\"middle\">{WebUtility.HtmlEncode(label)}</text>");
        foreach (var tick in new[] { 0, max / 2, max })
        {
            var y = top + PanelHeight - tick / max * PanelHeight;
            Append(svg, $"<line x1=\"{Left}\" y1=\"{y:F1}\" x2=\"{Width - Right}\" y2=\"{y:F1}\" stroke=\"#ddd\"/>");
            Append(svg, $"<text x=\"{Left - 6}\" y=\"{y + 4:F1}\" text-anchor=\"end\">{tick:N0}</text>");
        }

        var step = Math.Max(1, (int)Math.Ceiling(millions / 10.0));
        for (var m = 0; m <= millions; m += step)
        {
            Append(svg, $"<text x=\"{X(m, millions):F1}\" y=\"{top + PanelHeight + 16}\" text-anchor=\"middle\">{m}</text>");
        }
    }

    private static double X(double millions, int scale) => Left + millions / scale * (Width - Left - Right);

    private static double NiceCeiling(double value)
    {
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(Math.Max(value, 1))));
        return NiceSteps.Select(m => m * magnitude).First(c => c >= value);
    }

    private static void Append(StringBuilder svg, FormattableString line) => svg.AppendLine(line.ToString(CultureInfo.InvariantCulture));
}
