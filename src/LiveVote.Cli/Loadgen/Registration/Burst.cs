using System.Diagnostics;

namespace LiveVote.Cli.Loadgen.Registration;

/// <summary>
/// A closed-loop burst of prepared requests: <c>connections</c> senders, each sending its next request as soon as the
/// previous one is answered, until every request has been sent once. Every answer's status and latency is kept; bodies
/// are handed to <c>onBody</c> when one is given (parsing costs the client CPU the server may need on a shared machine).
/// </summary>
internal sealed class Burst(HttpClient client, int connections)
{
    public async Task<BurstResult> RunAsync(
        int count, Func<int, HttpRequestMessage> request, Action<int, int, byte[]>? onBody, CancellationToken cancellationToken)
    {
        var latencies = new long[count];
        var statuses = new int[count];
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Math.Min(connections, count)).Select(async _ =>
        {
            await Task.Yield();
            for (var i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
            {
                using var message = request(i);
                var started = Stopwatch.GetTimestamp();
                using var response = await client.SendAsync(message, cancellationToken).ConfigureAwait(false);
                var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                latencies[i] = Stopwatch.GetTimestamp() - started;
                statuses[i] = (int)response.StatusCode;
                onBody?.Invoke(i, statuses[i], body);
            }
        })).ConfigureAwait(false);
        return new BurstResult(clock.Elapsed, statuses, latencies);
    }
}

/// <summary>Every answer of one burst: its status and latency (Stopwatch ticks), by request index.</summary>
internal sealed record BurstResult(TimeSpan Elapsed, int[] Statuses, long[] Latencies)
{
    public int Unexpected(int expectedStatus) => Statuses.Count(s => s != expectedStatus);

    public double PercentileMs(double percentile)
    {
        if (Latencies.Length == 0)
        {
            return 0;
        }

        var sorted = Latencies.Order().ToArray();
        var index = Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Length) - 1, 0, sorted.Length - 1);
        return sorted[index] * 1000.0 / Stopwatch.Frequency;
    }
}
