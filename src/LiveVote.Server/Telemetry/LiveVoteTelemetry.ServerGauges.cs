using System.Diagnostics.Metrics;
using LiveVote.Server.Ingest;
using LiveVote.Server.Polls;
using LiveVote.Server.Results;

namespace LiveVote.Server.Telemetry;

internal static partial class LiveVoteTelemetry
{
    /// <summary>
    /// The gauges that read one server's own components: its queue, poll registry and results hub. They are on the Meter
    /// of that host's <see cref="IMeterFactory"/> (same name, <c>LiveVote.Server</c>), which only that host's exporters
    /// and <see cref="LiveStats"/> listen to (TelemetrySetup), so each server reports its own figures even when
    /// several run in one process. Observed when read, never maintained on the hot path. The factory disposes the
    /// Meter with the host, so nothing keeps reading a stopped server's components.
    /// </summary>
    internal sealed class ServerGauges
    {
        public ServerGauges(
            IMeterFactory meterFactory, IngestQueue queue, ResultsHub results, PollRegistry polls, Hosting.ConnectionGate connections, TimeProvider time)
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
        }

        /// <summary>This server's Meter: what its listeners pick, by reference, among the meters named <c>LiveVote.Server</c>.</summary>
        public Meter Meter { get; }
    }
}
