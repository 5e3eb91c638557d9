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

    public static StoreStateDto Describe(ClusterState? state) => state?.ToDto() ?? Embedded;
}
