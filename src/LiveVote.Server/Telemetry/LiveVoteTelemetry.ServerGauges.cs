using System.Diagnostics.Metrics;
using LiveVote.Server.Polls;
using LiveVote.Server.Results;
using LiveVote.Server.Storage.Postgres;

namespace LiveVote.Server.Telemetry;

internal static partial class LiveVoteTelemetry
{
    /// <summary>
    /// The gauges that read one server's own components: its queues, poll registry, results hub and (PostgreSQL) the
    /// store state its monitors last read, the queue and store gauges tagged with the store partition. They are on the Meter
    /// of that host's <see cref="IMeterFactory"/> (same name, <c>LiveVote.Server</c>), which only that host's exporters
    /// and <see cref="LiveStats"/> listen to (TelemetrySetup), so each server reports its own figures even when
    /// several run in one process. Observed when read, never maintained on the hot path. The factory disposes the
    /// Meter with the host, so nothing keeps reading a stopped server's components.
    /// </summary>
    internal sealed class ServerGauges
    {
        public ServerGauges(
            IMeterFactory meterFactory,
            IngestQueueDepths queues,
            ResultsHub results,
            PollRegistry polls,
            Hosting.ConnectionGate connections,
            TimeProvider time,
            IEnumerable<ClusterStateMonitor> stores)
        {
            // The process-wide gauges must exist from start too, not from the first vote.
            EnsureInstruments();
            Meter = meterFactory.Create(Name);
            Meter.CreateObservableGauge(
                "livevote.queue.depth", () => Measure(queues.Read(), q => q.Depth), "{item}",
                "Items waiting in the ingest queue in front of the writer, by store partition.");
            Meter.CreateObservableGauge(
                "livevote.queue.capacity", () => Measure(queues.Read(), q => q.Capacity), "{item}",
                "Size of the ingest queue, by store partition: votes beyond it are refused with 503 overloaded.");
            Meter.CreateObservableGauge(
                "livevote.results.age", () => results.PublishLag(time.GetUtcNow()).TotalSeconds, "s",
                "How far the published results trail committed votes: 0 when every poll's newest totals are published, else the age of the published snapshot.");
            Meter.CreateObservableGauge(
                "livevote.sse.subscribers", () => (long)results.SubscriberCount, "{subscriber}", "Open results streams (SSE).");
            Meter.CreateObservableGauge(
                "livevote.polls.open", () => (long)polls.All().Count(p => p.Status == PollStatus.Open), "{poll}", "Polls open for voting.");
            Meter.CreateObservableGauge(
                "livevote.connections.open", () => (long)connections.Open, "{connection}", "Connections open on the public listeners.");

            // One monitor per store partition (none with SQLite); in partition order, so a scrape lists them in order.
            AddStoreGauges([.. stores.OrderBy(s => s.Partition)]);
        }

        /// <summary>
        /// Each partition's store state as this server's monitor of it last read it, tagged <c>partition</c>. Created
        /// with SQLite too (no monitor: no measurement), so the set of instruments does not depend on the store.
        /// </summary>
        private void AddStoreGauges(ClusterStateMonitor[] stores)
        {
            Meter.CreateObservableGauge(
                "livevote.store.primary.reachable",
                () => Read<long>(stores, (s, tag) => s.Read ? [new Measurement<long>(s.PrimaryReachable ? 1 : 0, tag)] : []),
                "{primary}", "1 when this node's connection to the partition's cluster reaches a writable PostgreSQL primary, 0 when not (failover in progress or database down); absent with SQLite.");
            Meter.CreateObservableGauge(
                "livevote.store.sync_standbys",
                () => Read<long>(stores, (s, tag) => s.PrimaryReachable ? [new Measurement<long>(s.SyncStandbys.Count, tag)] : []),
                "{standby}", "Synchronous standbys of the partition's primary (pg_stat_replication sync_state sync or quorum); 0 with synchronous_mode_strict means writes wait. Absent while no primary is reachable.");
            Meter.CreateObservableGauge(
                "livevote.store.timeline",
                () => Read<long>(stores, (s, tag) => s.Timeline is { } timeline ? [new Measurement<long>(timeline, tag)] : []),
                "{timeline}", "The partition's PostgreSQL primary's timeline as last read: it grows by one with each promotion.");
            Meter.CreateObservableCounter(
                "livevote.store.failovers",
                () => Read<long>(stores, (s, tag) => [new Measurement<long>(s.Failovers, tag)]),
                "{failover}", "Timeline changes of the partition's primary this node has seen since it started (failovers and switchovers).");
            Meter.CreateObservableGauge(
                "livevote.store.replication.lag",
                () => Read<double>(stores, (s, tag) => [.. s.Lags.Select(kv => new Measurement<double>(kv.Value, tag, new KeyValuePair<string, object?>("standby", kv.Key)))]),
                "s", "Replay lag of each PostgreSQL standby of the partition as its primary reports it (pg_stat_replication); absent with SQLite.");
        }

        private static IEnumerable<Measurement<T>> Read<T>(ClusterStateMonitor[] stores, Func<ClusterState, KeyValuePair<string, object?>, Measurement<T>[]> measure)
            where T : struct => stores.SelectMany(store => measure(store.Current, PartitionTag(store.Partition)));

        private static IEnumerable<Measurement<long>> Measure(QueueFill[] fills, Func<QueueFill, int> value) =>
            fills.Select(fill => new Measurement<long>(value(fill), PartitionTag(fill.Partition)));

        /// <summary>This server's Meter: what its listeners pick, by reference, among the meters named <c>LiveVote.Server</c>.</summary>
        public Meter Meter { get; }
    }
}
