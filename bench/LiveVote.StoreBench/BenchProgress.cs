using System.Diagnostics;
using System.Globalization;

namespace LiveVote.StoreBench;

/// <summary>
/// Committed votes over all writers of all clusters, with the rate of each window and of each million, and each
/// cluster's own count and the moment of its last commit (a cluster that finishes its share early is not charged the
/// time the others still run).
/// </summary>
internal sealed class BenchProgress(int window, TimeSpan limit, int clusters)
{
    private const int Million = 1_000_000;
    private readonly Lock _lock = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<double> _perMillion = [];
    private readonly long[] _clusterDone = new long[clusters];
    private readonly TimeSpan[] _clusterLast = new TimeSpan[clusters];
    private long _done;
    private long _nextWindow = window;
    private TimeSpan _windowStart;
    private long _nextMillion = Million;
    private TimeSpan _millionStart;

    public TimeSpan Elapsed => _clock.Elapsed;

    public bool TimeIsUp => _clock.Elapsed > limit;

    public long Done
    {
        get
        {
            lock (_lock)
            {
                return _done;
            }
        }
    }

    public double FirstWindowRate { get; private set; }

    public double LastWindowRate { get; private set; }

    public IReadOnlyList<double> PerMillion => _perMillion;

    public long ClusterDone(int cluster)
    {
        lock (_lock)
        {
            return _clusterDone[cluster];
        }
    }

    /// <summary>Votes/s of one cluster, from the start to its own last commit.</summary>
    public double ClusterRate(int cluster)
    {
        lock (_lock)
        {
            return _clusterLast[cluster] > TimeSpan.Zero ? _clusterDone[cluster] / _clusterLast[cluster].TotalSeconds : 0;
        }
    }

    public void Add(int cluster, int votes)
    {
        lock (_lock)
        {
            _done += votes;
            var now = _clock.Elapsed;
            _clusterDone[cluster] += votes;
            _clusterLast[cluster] = now;
            if (_done >= _nextWindow)
            {
                var rate = (_done - _nextWindow + window) / (now - _windowStart).TotalSeconds;
                FirstWindowRate = FirstWindowRate == 0 ? rate : FirstWindowRate;
                LastWindowRate = rate;
                var split = clusters > 1 ? " (per cluster so far: " + string.Join(" / ", _clusterDone.Select(d => d.ToString("N0", CultureInfo.InvariantCulture))) + ")" : "";
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{_done,12:N0} votes: {rate,9:N0} votes/s{split}"));
                _windowStart = now;
                _nextWindow = _done + window;
            }

            if (_done >= _nextMillion)
            {
                _perMillion.Add((_done - _nextMillion + Million) / (now - _millionStart).TotalSeconds);
                _millionStart = now;
                _nextMillion = _done + Million;
            }
        }
    }
}
