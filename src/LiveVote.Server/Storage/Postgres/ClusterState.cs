using System.Globalization;
using LiveVote.Contracts;

namespace LiveVote.Server.Storage.Postgres;

/// <summary>
/// What one reading through the node's data source found: the server it reached (through HAProxy in production, so
/// the partition's primary when there is one) and, when that server is the primary, its synchronous standbys.
/// </summary>
/// <param name="Writable">The server is not in recovery: a primary that can take writes.</param>
/// <param name="Member">The server's address and port (<c>inet_server_addr():inet_server_port()</c>): what
/// <c>patronictl list</c> shows as the member's host. Patroni sets <c>cluster_name</c> to the scope, the same on every
/// member, so that cannot tell members apart.</param>
/// <param name="Timeline">The primary's current timeline; each promotion starts a new one.</param>
/// <param name="SynchronousRequired"><c>synchronous_standby_names</c> is set: a commit waits for a synchronous standby.</param>
/// <param name="SyncStandbys">Standbys whose <c>sync_state</c> is sync or quorum (their <c>application_name</c>: the Patroni member name).</param>
/// <param name="Lags">Replay lag in seconds of every standby the primary streams to, synchronous or not.</param>
internal sealed record ClusterReading(
    bool Writable,
    string Member,
    long? Timeline,
    bool SynchronousRequired,
    IReadOnlyList<string> SyncStandbys,
    IReadOnlyDictionary<string, double> Lags);

/// <summary>How the store looked at the monitor's last reading, and what changed since the node started.</summary>
/// <param name="Read">A reading was attempted at least once.</param>
/// <param name="Reached">The last reading reached a server at all.</param>
/// <param name="Member">The server the last reading reached; null when none was reached.</param>
/// <param name="Timeline">The timeline of the last primary reached (kept while none is, so the next one is compared with it).</param>
/// <param name="Failovers">Timeline changes seen since start: each is a promotion (failover or switchover).</param>
/// <param name="Since">When the state last changed (reachability, member, timeline or synchronous standbys).</param>
/// <param name="ReadAt">When the last reading ended.</param>
internal sealed record ClusterState(
    bool Read,
    bool Reached,
    bool PrimaryReachable,
    string? Member,
    long? Timeline,
    bool SynchronousRequired,
    IReadOnlyList<string> SyncStandbys,
    IReadOnlyDictionary<string, double> Lags,
    long Failovers,
    DateTimeOffset? Since,
    DateTimeOffset? ReadAt)
{
    public static readonly ClusterState NotRead = new(false, false, false, null, null, false, [], new Dictionary<string, double>(), 0, null, null);

    /// <summary>Synchronous replication is required and no standby is assigned: in strict mode every commit waits.</summary>
    public bool WritesWait => PrimaryReachable && SynchronousRequired && SyncStandbys.Count == 0;

    /// <summary>The state after a reading; <paramref name="reading"/> is null when no server could be reached.</summary>
    public ClusterState Next(ClusterReading? reading, DateTimeOffset now)
    {
        var next = reading is null
            ? this with { Read = true, Reached = false, PrimaryReachable = false, Member = null, SyncStandbys = [], Lags = new Dictionary<string, double>() }
            : this with
            {
                Read = true,
                Reached = true,
                PrimaryReachable = reading.Writable,
                Member = reading.Member,
                Timeline = reading.Writable ? reading.Timeline ?? Timeline : Timeline,
                SynchronousRequired = reading.SynchronousRequired,
                SyncStandbys = reading.Writable ? reading.SyncStandbys : [],
                Lags = reading.Writable ? reading.Lags : new Dictionary<string, double>(),
            };

        // A later timeline than the last primary's means a standby was promoted since: one failover (or switchover),
        // however long no primary was reachable in between.
        if (Timeline is { } before && next.Timeline is { } after && after > before)
        {
            next = next with { Failovers = Failovers + 1 };
        }

        var changed = !Read || next.Reached != Reached || next.PrimaryReachable != PrimaryReachable || next.Member != Member
                      || next.Timeline != Timeline || !next.SyncStandbys.SequenceEqual(SyncStandbys, StringComparer.Ordinal);
        return next with { ReadAt = now, Since = changed ? now : Since };
    }

    public string Status => !Read ? "unknown" : !PrimaryReachable ? "no-primary" : WritesWait ? "no-sync-standby" : "primary";

    /// <summary>One line for readiness and the console: which primary, which synchronous standby, or what is missing.</summary>
    public string Summary()
    {
        if (!Read)
        {
            return "not read yet";
        }

        if (!Reached)
        {
            return "no writable primary: failover in progress or database down (unreachable)";
        }

        if (!PrimaryReachable)
        {
            return $"no writable primary: failover in progress ({Member} is in recovery)";
        }

        var primary = Timeline is { } timeline ? $"primary {Member}, timeline {timeline.ToString(CultureInfo.InvariantCulture)}" : $"primary {Member}";
        return SyncStandbys.Count switch
        {
            0 when SynchronousRequired => $"{primary}, no synchronous standby: writes wait",
            0 => $"{primary}, synchronous replication off",
            1 => $"{primary}, sync standby {SyncStandbys[0]}",
            _ => $"{primary}, sync standbys {string.Join(", ", SyncStandbys)}",
        };
    }

    public StoreStateDto ToDto(int partition = 0) =>
        new(Status, Summary(), PrimaryReachable ? Member : null, Timeline, SyncStandbys, Failovers, Since, ReadAt, partition);
}
