using System.Collections.Concurrent;
using LiveVote.Server.Ingest;
using LiveVote.Server.Polls;
using LiveVote.Server.Results;

namespace LiveVote.Server.Telemetry;

/// <summary>
/// What the static meter's observable gauges read: the queue, results hub and poll registry of every running server
/// in the process (one in production; tests run several, and like the static counters the gauges then add them up).
/// A server joins while it runs (<see cref="Registration"/>) and leaves on stop, so nothing holds a disposed host.
/// </summary>
internal static class HostGauges
{
    private static readonly ConcurrentDictionary<Registration, byte> Hosts = new();

    public static long QueueDepth() => Hosts.Keys.Sum(h => (long)h.Queue.Count);

    public static long QueueCapacity() => Hosts.Keys.Sum(h => (long)h.Queue.Capacity);

    public static long SseSubscribers() => Hosts.Keys.Sum(h => (long)h.Results.SubscriberCount);

    public static long OpenPolls() => Hosts.Keys.Sum(h => (long)h.Polls.All().Count(p => p.Status == PollStatus.Open));

    public static double ResultsAgeSeconds() =>
        Hosts.Keys.Select(h => h.Results.PublishLag(h.Time.GetUtcNow()).TotalSeconds).DefaultIfEmpty(0).Max();

    /// <summary>
    /// Adds this server's components to the gauges from start to stop (or disposal: a host whose start failed half-way
    /// is disposed without being stopped).
    /// </summary>
    internal sealed class Registration(IngestQueue queue, ResultsHub results, PollRegistry polls, TimeProvider time) : IHostedService, IDisposable
    {
        public IngestQueue Queue { get; } = queue;

        public ResultsHub Results { get; } = results;

        public PollRegistry Polls { get; } = polls;

        public TimeProvider Time { get; } = time;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            Metrics.EnsureInstruments();
            Hosts.TryAdd(this, 0);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            Dispose();
            return Task.CompletedTask;
        }

        public void Dispose() => Hosts.TryRemove(this, out _);
    }
}
