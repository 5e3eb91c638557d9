namespace LiveVote.Server.Storage;

/// <summary>
/// <c>node_counters</c>: every node's console figures (<see cref="NodeCounters"/>), one row per node name, in the
/// node's SQLite file or in partition 0's PostgreSQL cluster, which every node of a fleet shares. Figures, not votes:
/// the votes themselves are counted by the store's tallies; these rows only let the console sum what every node saw
/// (repeats, throttling, flags) and carry a node's counts over its restarts. Each store supplies only its SQL; when
/// they are written and read is <see cref="Telemetry.FleetCounters"/>'s.
/// </summary>
internal interface INodeCounterStore
{
    /// <summary>The node's row, or null when it never stored one. Throws when the database cannot answer.</summary>
    Task<NodeCounters?> ReadAsync(string node, CancellationToken cancellationToken);

    /// <summary>Every node's row.</summary>
    Task<IReadOnlyList<NodeCounters>> ReadAllAsync(CancellationToken cancellationToken);

    /// <summary>Inserts or replaces the node's row.</summary>
    Task WriteAsync(NodeCounters counters, CancellationToken cancellationToken);
}
