using System.Diagnostics.Metrics;
using LiveVote.Server.Telemetry;

namespace LiveVote.Server.Hosting;

/// <summary>
/// Connections the server closed as soon as it accepted them (<c>livevote.connections.rejected</c>), by the limit that
/// was full: a flood of connections from one network, or a node at its limit, shows on the dashboard.
/// </summary>
internal static class ConnectionMetrics
{
    private static readonly Meter Meter = Metrics.Meter; // The one Meter of the server: instruments may live beside their feature.

    // The gates of the running servers (one in production; tests run several, and the gauge adds them up).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<ConnectionGate, byte> Gates = new();

    private static readonly Counter<long> Rejections = Meter.CreateCounter<long>(
        "livevote.connections.rejected", "{connection}", "Connections closed on accept because a connection limit was full, by limit (node, network, management).");

    private static readonly ObservableGauge<long> OpenConnections = Meter.CreateObservableGauge(
        "livevote.connections.open", () => (long)Gates.Keys.Sum(gate => gate.Open), "{connection}", "Connections open on the public listeners.");

    private static readonly KeyValuePair<string, object?>[][] ReasonTags =
        [.. Enum.GetValues<ConnectionRefusal>().Select(r => new[] { new KeyValuePair<string, object?>("limit", r.ToString().ToLowerInvariant()) })];

    public static void Refused(ConnectionRefusal refusal) => Rejections.Add(1, ReasonTags[(int)refusal]);

    /// <summary>Adds a running server's gate to the open-connections gauge until the returned handle is disposed.</summary>
    public static IDisposable Observe(ConnectionGate gate)
    {
        Gates.TryAdd(gate, 0);
        return new Observation(gate);
    }

    private sealed class Observation(ConnectionGate gate) : IDisposable
    {
        public void Dispose() => Gates.TryRemove(gate, out _);
    }
}
