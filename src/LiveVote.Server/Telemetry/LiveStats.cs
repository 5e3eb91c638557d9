using System.Diagnostics.Metrics;
using LiveVote.Contracts;
using LiveVote.Server.Storage.Postgres;

namespace LiveVote.Server.Telemetry;

/// <summary>
/// The producer console's figures, read from the server's own meter with a <see cref="MeterListener"/>: the same
/// measurements Prometheus and OTLP export, no second bookkeeping in the vote path. Totals count from this server's
/// start (the counters are process-wide: in a test process running several servers they add up); the queue figures
/// are this server's own gauges (one queue per store partition), and each partition's store state is what its monitor
/// last read.
/// </summary>
internal sealed class LiveStats : IDisposable
{
    /// <summary>Votes/s is the mean over the last complete seconds, so a half-finished second never reads as a drop.</summary>
    public const int RateWindowSeconds = 5;

    private readonly MeterListener _listener = new();
    private readonly TimeProvider _time;
    private readonly ClusterStateMonitor[] _stores;
    private readonly Lock _rateLock = new();
    private readonly long[] _acceptedInSecond = new long[RateWindowSeconds + 1];
    private readonly long[] _secondOfSlot = new long[RateWindowSeconds + 1];
    private readonly Lock _observeLock = new();

    // Filled by the queue gauges' measurements during a Read, under _observeLock: partition -> (depth, capacity).
    private readonly SortedDictionary<int, (long Depth, long Capacity)> _queues = [];
    private long _accepted;
    private long _repeated;
    private long _throttled;
    private long _flagged;

    public LiveStats(TimeProvider time, LiveVoteTelemetry.ServerGauges gauges, IEnumerable<ClusterStateMonitor> stores)
    {
        _time = time;

        // One monitor per store partition (none with SQLite), read in partition order.
        _stores = [.. stores.OrderBy(s => s.Partition)];
        Array.Fill(_secondOfSlot, -1);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            // Another server in this process has a Meter of the same name for its own gauges: it is not ours.
            if ((instrument.Meter == LiveVoteTelemetry.Meter || instrument.Meter == gauges.Meter) && KindOf(instrument.Name) is { } kind)
            {
                // The kind rides along as the state, so a vote's measurement costs no name comparison.
                listener.EnableMeasurementEvents(instrument, kind);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.Start();
    }

    private enum Watched
    {
        Votes,
        RateLimit,
        Risk,
        QueueDepth,
        QueueCapacity,
    }

    private static object? KindOf(string instrument) => instrument switch
    {
        "livevote.votes" => Watched.Votes,
        "livevote.ratelimit.rejections" => Watched.RateLimit,
        "livevote.risk.decisions" => Watched.Risk,
        "livevote.queue.depth" => Watched.QueueDepth,
        "livevote.queue.capacity" => Watched.QueueCapacity,
        _ => null,
    };

    public AdminStats Read()
    {
        QueueFill[] queues;
        lock (_observeLock)
        {
            // Calls the gauges' callbacks now; their values arrive through OnMeasurement.
            _queues.Clear();
            _listener.RecordObservableInstruments();
            queues = [.. _queues.Select(q => new QueueFill(q.Key, (int)q.Value.Depth, (int)q.Value.Capacity))];
        }

        var partitions = StoreReadiness.DescribeAll(_stores);
        return new AdminStats(
            VotesPerSecond(),
            Interlocked.Read(ref _accepted),
            Interlocked.Read(ref _repeated),
            Interlocked.Read(ref _throttled),
            Interlocked.Read(ref _flagged),
            queues.Sum(q => (long)q.Depth),
            queues.Sum(q => (long)q.Capacity),
            _time.GetUtcNow(),
            partitions[0],
            partitions,
            queues);
    }

    /// <summary>This server's counts since its start and its votes/s: what <see cref="FleetCounters"/> stores.</summary>
    public CounterTotals Totals() => new(
        Interlocked.Read(ref _accepted), Interlocked.Read(ref _repeated), Interlocked.Read(ref _throttled), Interlocked.Read(ref _flagged), VotesPerSecond());

    public void Dispose() => _listener.Dispose();

    private void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        switch ((Watched)state!)
        {
            case Watched.Votes:
                switch (Tag(tags, "outcome"))
                {
                    case "accepted":
                        Interlocked.Add(ref _accepted, value);
                        CountAccepted(value);
                        break;
                    case "duplicate" or "already-voted":
                        Interlocked.Add(ref _repeated, value);
                        break;
                }

                break;
            case Watched.RateLimit:
                Interlocked.Add(ref _throttled, value);
                break;
            case Watched.Risk when Tag(tags, "action") is "captcha-required" or "suspected-bot":
                Interlocked.Add(ref _flagged, value);
                break;
            case Watched.QueueDepth or Watched.QueueCapacity:
                // Only Read's RecordObservableInstruments observes the gauges, and it holds _observeLock.
                var partition = PartitionOf(tags);
                var (depth, capacity) = _queues.GetValueOrDefault(partition);
                _queues[partition] = (Watched)state == Watched.QueueDepth ? (value, capacity) : (depth, value);
                break;
        }
    }

    /// <summary>The queue gauges' <c>partition</c> tag; 0 if missing, like a node with one store.</summary>
    private static int PartitionOf(ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        int.TryParse(Tag(tags, "partition"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var partition) ? partition : 0;

    private static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string key)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == key)
            {
                return tag.Value as string;
            }
        }

        return null;
    }

    private long CurrentSecond() => _time.GetTimestamp() / _time.TimestampFrequency;

    private void CountAccepted(long value)
    {
        var second = CurrentSecond();
        var slot = (int)(second % _acceptedInSecond.Length);
        lock (_rateLock)
        {
            if (_secondOfSlot[slot] != second)
            {
                _secondOfSlot[slot] = second;
                _acceptedInSecond[slot] = 0;
            }

            _acceptedInSecond[slot] += value;
        }
    }

    private double VotesPerSecond()
    {
        var now = CurrentSecond();
        long sum = 0;
        lock (_rateLock)
        {
            for (var second = now - RateWindowSeconds; second < now; second++)
            {
                var slot = (int)(second % _acceptedInSecond.Length);
                if (_secondOfSlot[slot] == second)
                {
                    sum += _acceptedInSecond[slot];
                }
            }
        }

        return (double)sum / RateWindowSeconds;
    }
}

/// <summary>The producer console's live figures (<c>GET /v1/admin/stats</c>).</summary>
/// <param name="DuplicatesRefused">Votes not counted because the voter had already voted (same option again, or another).</param>
/// <param name="Throttled">Requests refused by a rate limit (429).</param>
/// <param name="Flagged">Votes the risk score challenged with a CAPTCHA or refused as a suspected bot.</param>
/// <param name="QueueDepth">Items waiting in this server's ingest queues (all partitions).</param>
/// <param name="QueueCapacity">Size of this server's ingest queues (all partitions).</param>
/// <param name="Store">Partition 0's store state as this server last read it (status embedded with SQLite).</param>
/// <param name="Partitions">Each store partition's state, in partition order (one entry with one store).</param>
/// <param name="Queues">Each store partition's ingest queue, in partition order.</param>
/// <param name="Fleet">
/// The figures of every node that shares the store, summed, not reset by a node's restart (<see cref="FleetCounters"/>);
/// null when the store could not be read.
/// </param>
internal sealed record AdminStats(
    double VotesPerSecond,
    long TotalAccepted,
    long DuplicatesRefused,
    long Throttled,
    long Flagged,
    long QueueDepth,
    long QueueCapacity,
    DateTimeOffset AsOf,
    StoreStateDto Store,
    IReadOnlyList<StoreStateDto> Partitions,
    IReadOnlyList<QueueFill> Queues,
    FleetStatsDto? Fleet = null);

/// <summary>A server's counts since its start (<see cref="LiveStats.Totals"/>) and its votes/s.</summary>
internal readonly record struct CounterTotals(long Accepted, long Repeated, long Throttled, long Flagged, double VotesPerSecond);
