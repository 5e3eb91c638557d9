using HdrHistogram;

namespace LiveVote.Cli.Loadgen;

/// <summary>
/// One latency measure (write, results read, vote-to-visible) in an HDR histogram of microseconds, plus an interval
/// histogram the progress ticker drains each second for the over-time series. A lock, not a lock-free recorder: the
/// critical section is a few array increments, far below the cost of the HTTP request being measured.
/// </summary>
internal sealed class LatencyRecorder
{
    // Up to one minute, 3 significant digits: the precision wrk2 and HdrHistogram users compare against.
    private const long HighestMicroseconds = 60_000_000;
    private readonly Lock _lock = new();
    private readonly LongHistogram _total = NewHistogram();
    private LongHistogram _interval = NewHistogram();

    public void Record(TimeSpan latency)
    {
        var micros = Math.Clamp((long)latency.TotalMicroseconds, 1, HighestMicroseconds);
        lock (_lock)
        {
            _total.RecordValue(micros);
            _interval.RecordValue(micros);
        }
    }

    /// <summary>The values recorded since the last call (for the per-second series).</summary>
    public LatencySummary DrainInterval()
    {
        LongHistogram interval;
        lock (_lock)
        {
            interval = _interval;
            _interval = NewHistogram();
        }

        return LatencySummary.Of(interval);
    }

    /// <summary>Forgets everything recorded so far (the end of a warm-up).</summary>
    public void Reset()
    {
        lock (_lock)
        {
            _total.Reset();
            _interval = NewHistogram();
        }
    }

    public LatencySummary Summary()
    {
        lock (_lock)
        {
            return LatencySummary.Of(_total);
        }
    }

    private static LongHistogram NewHistogram() => new(1, HighestMicroseconds, 3);
}

/// <summary>Latency percentiles in milliseconds.</summary>
internal sealed record LatencySummary(long Count, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs, double MeanMs)
{
    public static LatencySummary Of(HistogramBase histogram)
    {
        if (histogram.TotalCount == 0)
        {
            return new LatencySummary(0, 0, 0, 0, 0, 0, 0);
        }

        static double Ms(long micros) => Math.Round(micros / 1000.0, 3);
        return new LatencySummary(
            histogram.TotalCount,
            Ms(histogram.GetValueAtPercentile(50)),
            Ms(histogram.GetValueAtPercentile(90)),
            Ms(histogram.GetValueAtPercentile(99)),
            Ms(histogram.GetValueAtPercentile(99.9)),
            Ms(histogram.GetMaxValue()),
            Math.Round(histogram.GetMean() / 1000.0, 3));
    }
}
