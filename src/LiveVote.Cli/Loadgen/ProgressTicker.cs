using System.Globalization;

namespace LiveVote.Cli.Loadgen;

/// <summary>Once a second: one progress line on the terminal and one point of the over-time series.</summary>
internal sealed class ProgressTicker(VoteTally tally, VoteBook book, LatencyRecorder writes, LatencyRecorder reads, LatencyRecorder visible, TextWriter progress, TimeProvider time)
{
    private readonly List<SeriesPoint> _series = [];

    public IReadOnlyList<SeriesPoint> Series => _series;

    public async Task RunAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        var previous = tally.Completed; // warm-up answers are not this run's
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                var answered = tally.Completed;
                var write = writes.DrainInterval();
                var point = new SeriesPoint(_series.Count + 1, answered - previous, write.P50Ms, write.P99Ms, write.MaxMs,
                    reads.DrainInterval().P99Ms, visible.DrainInterval().P99Ms);
                previous = answered;
                _series.Add(point);
                await progress.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"[{point.Second,4}s] {point.Answered,7:N0} answers/s  write p50 {point.WriteP50Ms,7:F2} ms  p99 {point.WriteP99Ms,8:F2} ms  " +
                    $"read p99 {point.ResultsReadP99Ms,6:F2} ms  visible p99 {point.VisibleP99Ms,7:F1} ms  accepted {tally.Accepted:N0}  " +
                    $"seen {book.VisibleCount:N0}  5xx {tally.ServerErrors():N0}")).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The run is over.
        }
    }
}
