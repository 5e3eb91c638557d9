using System.Globalization;

namespace LiveVote.Cli.Loadgen.Registration;

/// <summary>
/// What the server spent in a window: its CPU time (utime + stime of <c>/proc/&lt;pid&gt;/stat</c>, when the server runs
/// on this machine and its pid is given) and the bytes its heap allocated (the runtime's
/// <c>dotnet_gc_heap_total_allocated_bytes_total</c> on <c>/metrics</c>). Both survive a busy machine, unlike rates.
/// </summary>
internal sealed class ServerMeter(HttpClient client, int? pid)
{
    // USER_HZ: /proc reports times in these ticks, 100 a second on every Linux architecture .NET runs on.
    private const double TicksPerSecond = 100;
    private const string AllocatedMetric = "dotnet_gc_heap_total_allocated_bytes_total";

    public async Task<Reading> ReadAsync(CancellationToken cancellationToken) =>
        new(CpuSeconds(), await AllocatedBytesAsync(cancellationToken).ConfigureAwait(false));

    private double? CpuSeconds()
    {
        if (pid is null)
        {
            return null;
        }

        // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    private async Task<double?> AllocatedBytesAsync(CancellationToken cancellationToken)
    {
        try
        {
            var text = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative), cancellationToken).ConfigureAwait(false);
            foreach (var line in text.Split('\n'))
            {
                if (line.StartsWith(AllocatedMetric, StringComparison.Ordinal))
                {
                    return double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (HttpRequestException)
        {
            // A server without /metrics: no allocation figure, the rest stands.
        }

        return null;
    }

    internal readonly record struct Reading(double? CpuSeconds, double? AllocatedBytes)
    {
        public static double? PerRequest(double? before, double? after, int requests, double scale) =>
            before is { } b && after is { } a && requests > 0 ? (a - b) * scale / requests : null;
    }
}
