using System.Globalization;
using LiveVote.Contracts;

namespace LiveVote.Server.Storage.Postgres;

/// <summary>
/// What <c>/readyz</c> says about the store, from the live ping (<see cref="IVoteStore.PingAsync"/>: the primary
/// answers and no commit's outcome is unknown) and the monitor's last <see cref="ClusterState"/> (null: SQLite).
/// <para>
/// Only a node whose connection reaches no writable primary is not ready: a 503 the load balancer acts on by sending
/// voters to a node whose HAProxy does reach one (say, a node in another zone while this zone's HAProxy is cut off).
/// A primary without a synchronous standby does NOT make the node not ready: every node of the partition shares that
/// primary, so taking them all out of the load balancer helps nobody; it would turn votes that wait (and are
/// acknowledged the moment Patroni assigns a standby, or answered 503 + Retry-After by the request deadline) into
/// refused connections, and hide the one node that can tell the operator why. The detail names it, and the
/// <c>LiveVoteNoSyncStandby</c> alert pages.
/// </para>
/// </summary>
internal static class StoreReadiness
{
    public static readonly StoreStateDto Embedded = new("embedded", "embedded (SQLite)", null, null, [], 0, null, null);

    public static (bool Ready, string? Detail) Decide(bool storeAnswers, ClusterState? state)
    {
        if (state is null)
        {
            return storeAnswers ? (true, null) : (false, "store unreachable");
        }

        if (storeAnswers)
        {
            // The ping reached a writable primary just now; a last reading that did not is at most one interval old.
            return state.PrimaryReachable || !state.Read
                ? (true, $"store: {state.Summary()}")
                : (true, $"store: primary answers; last read {state.Summary()}");
        }

        return state.Read && !state.PrimaryReachable
            ? (false, state.Summary())
            : (false, $"store unreachable; last read {state.Summary()}");
    }

    /// <summary>
    /// The node's readiness over all its store partitions (each decided as <see cref="Decide(bool, ClusterState?)"/>,
    /// after its writer runs). One partition gives exactly that partition's answer. With several, the node is ready
    /// while every writer runs and at least one partition's store answers; the detail names the partitions that are not
    /// ready ("partition 1: no writable primary ..."), or, when all are, each partition's state.
    /// <para>
    /// Why one cluster down does not make the node not ready: every node shares that cluster, so a failover would take
    /// every node out of the load balancer at once and turn the other clusters' voters' 201s into refused connections;
    /// the failed cluster's voters get 503 + Retry-After from the node either way. A node that reaches no cluster at all
    /// (its own network cut off) is not ready, so the load balancer sends voters to a node that reaches them.
    /// </para>
    /// </summary>
    /// <param name="partitions">One check per partition, in partition order.</param>
    public static (bool Ready, string? Detail) Decide(IReadOnlyList<PartitionCheck> partitions)
    {
        ArgumentOutOfRangeException.ThrowIfZero(partitions.Count);
        if (partitions.Count == 1)
        {
            return Decide(partitions[0]);
        }

        var verdicts = partitions.Select(p => (p.Partition, Verdict: Decide(p))).ToList();
        var notReady = verdicts.Where(v => !v.Verdict.Ready).ToList();
        var named = (notReady.Count > 0 ? notReady : verdicts)
            .Where(v => v.Verdict.Detail is not null)
            .Select(v => $"partition {v.Partition.ToString(CultureInfo.InvariantCulture)}: {v.Verdict.Detail}")
            .ToList();
        var ready = partitions.All(p => p.WriterRunning) && notReady.Count < partitions.Count;
        return (ready, named.Count > 0 ? string.Join("; ", named) : null);
    }

    public static StoreStateDto Describe(ClusterState? state) => state?.ToDto() ?? Embedded;

    /// <summary>
    /// Each partition's state as its monitor last read it, in partition order; with SQLite (no monitor) the one
    /// embedded store. The first entry is partition 0's: what <c>store</c> shows beside <c>partitions</c>.
    /// </summary>
    public static IReadOnlyList<StoreStateDto> DescribeAll(IEnumerable<ClusterStateMonitor> monitors)
    {
        StoreStateDto[] states = [.. monitors.OrderBy(m => m.Partition).Select(m => m.Current.ToDto(m.Partition))];
        return states.Length > 0 ? states : [Embedded];
    }

    private static (bool Ready, string? Detail) Decide(PartitionCheck partition) =>
        partition.WriterRunning ? Decide(partition.StoreAnswers, partition.State) : (false, "writer stopped");
}

/// <summary>What readiness knows of one store partition.</summary>
/// <param name="Partition">The partition's index.</param>
/// <param name="WriterRunning">Its batch writer runs (a stopped writer makes no vote durable, whatever the store says).</param>
/// <param name="StoreAnswers">Its live ping answered (<see cref="IVoteStore.PingAsync"/>); not asked while the writer is stopped.</param>
/// <param name="State">Its monitor's last state; null with SQLite.</param>
internal readonly record struct PartitionCheck(int Partition, bool WriterRunning, bool StoreAnswers, ClusterState? State);
