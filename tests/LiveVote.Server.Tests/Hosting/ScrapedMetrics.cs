using System.Globalization;

namespace LiveVote.Server.Tests.Hosting;

/// <summary>Reads one series of a server's <c>/metrics</c> (Prometheus text): the tests of a child process see its own meter only.</summary>
public static class ScrapedMetrics
{
    /// <summary>
    /// The sum of <paramref name="name"/>'s samples carrying <paramref name="label"/> (e.g. <c>limit="network"</c>; null:
    /// all), read again until <paramref name="done"/> holds or 30 s pass (the exporter caches a scrape briefly).
    /// </summary>
    public static async Task<double> WhenAsync(HttpClient management, string name, string? label, Func<double, bool> done)
    {
        var deadline = Environment.TickCount64 + 30_000;
        while (true)
        {
            var value = Sum(await management.GetStringAsync("/metrics"), name, label);
            if (done(value) || Environment.TickCount64 > deadline)
            {
                return value;
            }

            await Task.Delay(100);
        }
    }

    public static double Sum(string exposition, string name, string? label) =>
        exposition.Split('\n')
            .Where(line => (line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + " ", StringComparison.Ordinal))
                           && (label is null || line.Contains(label, StringComparison.Ordinal)))
            .Sum(line => double.Parse(Value(line, name), CultureInfo.InvariantCulture));

    /// <summary>"name{labels} 51 1733..." or "name 51": the number after the series.</summary>
    private static string Value(string line, string name) =>
        (line[name.Length] == '{' ? line[(line.LastIndexOf('}') + 1)..] : line[name.Length..]).Trim().Split(' ')[0];
}
