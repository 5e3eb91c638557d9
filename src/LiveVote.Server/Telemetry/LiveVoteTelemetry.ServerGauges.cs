using System.Diagnostics.Metrics;
using LiveVote.Server.Ingest;
using LiveVote.Server.Polls;
using LiveVote.Server.Results;
using LiveVote.Server.Storage.Postgres;

namespace LiveVote.Server.Telemetry;

internal static partial class LiveVoteTelemetry
{
    /// <summary>
    /// The gauges that read one server's own components: its queue, poll registry, results hub and (PostgreSQL) the
    /// store state its monitor last read. They are on the Meter
    /// of that host's <see cref="IMeterFactory"/> (same name, <c>LiveVote.Server</c>), which only that host's exporters
    /// and <see cref="LiveStats"/> listen to (TelemetrySetup), so each server reports its own figures even when
    /// several run in one process. Observed when read, never maintained on the hot path. The factory disposes the
    /// Meter with the host, so nothing keeps reading a stopped server's components.
    /// </summary>
    internal sealed class ServerGauges
    {
        public ServerGauges(
            IMeterFactory meterFactory,
            IngestQueue queue,
            ResultsHub results,
            PollRegistry polls,
            Hosting.ConnectionGate connections,
            TimeProvider time,
            ClusterStateMonitor? store = null)
        {
            // The process-wide gauges must exist from start too, not from the first vote.
            EnsureInstruments();
            Meter = meterFactory.Create(Name);
            Meter.CreateObservableGauge(
                "livevote.queue.depth", () => (long)queue.Count, "{item}", "Items waiting in the ingest queue in front of the writer.");
            Meter.CreateObservableGauge(
                "livevote.queue.capacity", () => (long)queue.Capacity, "{item}", "Size of the ingest queue: votes beyond it are refused with 503 overloaded.");
            Meter.CreateObservableGauge(
                "livevote.results.age", () => results.PublishLag(time.GetUtcNow()).TotalSeconds, "s",
                "How far the published results trail committed votes: 0 when every poll's newest totals are published, else the age of the published snapshot.");
            Meter.CreateObservableGauge(
                "livevote.sse.subscribers", () => (long)results.SubscriberCount, "{subscriber}", "Open results streams (SSE).");
            Meter.CreateObservableGauge(
                "livevote.polls.open", () => (long)polls.All().Count(p => p.Status == PollStatus.Open), "{poll}", "Polls open for voting.");
            Meter.CreateObservableGauge(
                "livevote.connections.open", () => (long)connections.Open, "{connection}", "Connections open on the public listeners.");
            AddStoreGauges(store);
        }

        /// <summary>
        /// The store's state as this server's monitor last read it. Created with SQLite too (nothing to report: no
        /// measurement), so the set of instruments does not depend on the store.
        /// </summary>
        private void AddStoreGauges(ClusterStateMonitor? store)
        {
            Meter.CreateObservableGauge(
                "livevote.store.primary.reachable",
                () => Read<long>(store, s => s.Read ? [new Measurement<long>(s.PrimaryReachable ? 1 : 0)] : []),
                "{primary}", "1 when this node's connection reaches a writable PostgreSQL primary, 0 when not (failover in progress or database down); absent with SQLite.");
            Meter.CreateObservableGauge(
                "livevote.store.sync_standbys",
                () => Read<long>(store, s => s.PrimaryReachable ? [new Measurement<long>(s.SyncStandbys.Count)] : []),
                "{standby}", "Synchronous standbys of the primary (pg_stat_replication sync_state sync or quorum); 0 with synchronous_mode_strict means writes wait. Absent while no primary is reachable.");
            Meter.CreateObservableGauge(
                "livevote.store.timeline",
                () => Read<long>(store, s => s.Timeline is { } timeline ? [new Measurement<long>(timeline)] : []),
                "{timeline}", "The PostgreSQL primary's timeline as last read: it grows by one with each promotion.");
            Meter.CreateObservableCounter(
                "livevote.store.failovers",
                () => Read<long>(store, s => [new Measurement<long>(s.Failovers)]),
                "{failover}", "Timeline changes of the primary this node has seen since it started (failovers and switchovers).");
            Meter.CreateObservableGauge(
                "livevote.store.replication.lag",
                () => Read<double>(store, s => [.. s.Lags.Select(kv => new Measurement<double>(kv.Value, new KeyValuePair<string, object?>("standby", kv.Key)))]),
                "s", "Replay lag of each PostgreSQL standby as the primary reports it (pg_stat_replication); absent with SQLite.");
        }

        private static Measurement<T>[] Read<T>(ClusterStateMonitor? store, Func<ClusterState, Measurement<T>[]> measure)
            where T : struct => store is null ? [] : measure(store.Current);

        /// <summary>This server's Meter: what its listeners pick, by reference, among the meters named <c>LiveVote.Server</c>.</summary>
        public Meter Meter { get; }
    }
}
