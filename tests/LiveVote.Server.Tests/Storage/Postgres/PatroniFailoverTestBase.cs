using System.Diagnostics;
using LiveVote.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace LiveVote.Server.Tests.Storage.Postgres;

/// <summary>
/// A Patroni cluster (<see cref="PatroniCluster"/>) behind HAProxy and two API nodes using HAProxy's single address,
/// under steady vote load (<see cref="VoteLoad"/>); a scenario kills something mid-load and Patroni alone recovers.
/// <see cref="RunAsync"/> then checks what every scenario must hold: every vote got a final 201 (or 200 duplicate);
/// the only answers on the way were 503 with Retry-After (or no answer at all: a cut connection, a timeout); every
/// answered vote is stored exactly once on the primary and on its synchronous standby, audit and totals agreeing;
/// <c>audit verify --postgres</c> passes. The outage figures are printed and optionally collected, never asserted.
/// </summary>
[Collection(PatroniClusters.Name)]
public abstract class PatroniFailoverTestBase(ITestOutputHelper output) : IAsyncLifetime
{
    private const int ViewerCount = 300;

    // A steady load (at most 300 / 0.25 s = 1,200 votes/s) rather than as fast as the fleet answers: the cluster's
    // Patroni, etcd and HAProxy share the 2 cores, and the viewers must not run out of polls before the rejoin ends.
    private static readonly TimeSpan ThinkTime = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LoadBeforeKill = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan LoadAfterRecovery = TimeSpan.FromSeconds(4);

    /// <summary>Generous: recovery is bounded by ttl (20 s) plus a standby's catch-up; this only stops a hung test.</summary>
    protected static readonly TimeSpan Recovery = TimeSpan.FromMinutes(2);

    private readonly List<LiveVoteServer> _nodes = [];

    protected PatroniCluster Cluster { get; private set; } = null!;

    /// <summary>
    /// How many polls each viewer walks, one vote each: the load lasts about this many think times, so a scenario
    /// longer than a failover (a rolling restart) asks for more.
    /// </summary>
    protected virtual int PollCount => 300;

    protected ITestOutputHelper Output { get; } = output;

    public async Task InitializeAsync()
    {
        Cluster = await StartClusterAsync();
        Output.WriteLine($"cluster {Cluster.Scope} writable through HAProxy after {Cluster.BootTime.TotalSeconds:F1}s: {await Cluster.StateAsync()}");
        for (var i = 0; i < 2; i++)
        {
            _nodes.Add(new LiveVoteServer(new Dictionary<string, string?>
            {
                ["LiveVote:Storage"] = "Postgres",
                ["LiveVote:Postgres:ConnectionString"] = Cluster.HaproxyConnectionString,
                ["LiveVote:RateLimits:Enabled"] = "false",
                ["LiveVote:Risk:Enabled"] = "false",
                ["Logging:LogLevel:Default"] = "Error",

                // Every batch fails while there is no primary, by design (answered 503): one error log each would
                // bury the test's own output.
                ["Logging:LogLevel:LiveVote.Server.Ingest.BatchWriter"] = "Critical",
            }));
        }
    }

    public async Task DisposeAsync()
    {
        try
        {
            foreach (var node in _nodes)
            {
                await node.DisposeAsync();
            }

            if (Cluster is not null)
            {
                await Cluster.DisposeAsync();
            }
        }
        finally
        {
            await DisposeAfterClusterAsync();
        }
    }

    /// <summary>Boots the cluster the scenario runs on: three zones on loopback unless a scenario places them elsewhere.</summary>
    protected virtual Task<PatroniCluster> StartClusterAsync() => PatroniCluster.StartAsync();

    /// <summary>Runs once the cluster is gone (also after a failed start): what a scenario built around it is torn down here.</summary>
    protected virtual ValueTask DisposeAfterClusterAsync() => ValueTask.CompletedTask;

    /// <summary>
    /// Runs the load, calls <paramref name="kill"/> on the leader after a few seconds, waits for a writable primary
    /// again (when <paramref name="outage"/>; otherwise watches the load for <paramref name="observe"/>), runs
    /// <paramref name="afterRecovery"/> under load, stops the load and checks every vote on the leader and its
    /// synchronous standby.
    /// </summary>
    protected async Task<ScenarioOutcome> RunAsync(
        string scenario, Func<PatroniMember, Task> kill, bool outage = true, TimeSpan? observe = null, Func<PatroniMember, Task>? afterRecovery = null)
    {
        ArgumentNullException.ThrowIfNull(kill);
        var load = await VoteLoad.PrepareAsync(_nodes, ViewerCount, PollCount, ThinkTime);
        load.Start();
        await Task.Delay(LoadBeforeKill);

        var before = (await Cluster.StateAsync())!;
        var oldLeader = Cluster.Member(before.Leader!.Name);
        using var watch = PrimaryWatch.Start(Cluster, load.Clock);
        var killedAt = load.Clock.Elapsed.TotalSeconds;
        await kill(oldLeader);

        if (outage)
        {
            // A primary with a synchronous standby commits through HAProxy again, and the load gets 201s again.
            await Cluster.WaitWritableAsync(Recovery);
            await load.FirstAcceptedAfterAsync(load.Clock.Elapsed.TotalSeconds, Recovery);
        }
        else
        {
            await Task.Delay(observe ?? TimeSpan.FromSeconds(10));
        }

        var observedUntil = load.Clock.Elapsed.TotalSeconds;

        await Task.Delay(LoadAfterRecovery);
        if (afterRecovery is not null)
        {
            await afterRecovery(oldLeader);
        }

        var all = await load.StopAsync();
        var stoppedAt = load.Clock.Elapsed.TotalSeconds;
        await watch.StopAsync();

        var after = (await Cluster.StateAsync())!;
        var leader = await Cluster.WaitForLeaderAsync(Recovery);
        var syncStandby = await Cluster.WaitForSyncStandbyAsync(Recovery);
        // The outage as the voters saw it: the longest stretch without a 201 after the kill; it ends with the first
        // vote acknowledged on the recovered (or new) primary.
        var gap = VoteLoad.LongestGapWithout201(all, killedAt, observedUntil);
        var recoveredAt = outage ? gap.To : observedUntil;
        var figures = new FailoverFigures(
            scenario,
            Cluster.BootTime.TotalSeconds,
            watch.UpAgainAt is { } up ? up - killedAt : 0,
            outage ? gap.To - killedAt : 0,
            gap.To - gap.From,
            VoteLoad.Rate(all, 1, killedAt),
            VoteLoad.Rate(all, killedAt, recoveredAt),
            VoteLoad.Rate(all, recoveredAt, stoppedAt),
            all.Length,
            all.Count(a => a.Attempts > 0),
            load.Interim.Count(i => i.Status == 503),
            load.Interim.Count(i => i.Status == 0));
        Output.WriteLine($"killed at {killedAt:F2}s on {oldLeader.Name} (timeline {before.Leader.Timeline}); now {after}");
        Output.WriteLine(figures.ToString());
        Output.WriteLine("answers per second: " + string.Join(' ', all.GroupBy(a => (int)a.At).OrderBy(g => g.Key).Select(g => $"{g.Key}s:{g.Count()}")));
        figures.AppendIfRequested();

        // Every viewer got a final answer for every vote it sent: none lost, none left failing, none answered twice.
        Assert.All(all, a => Assert.True(a.Status is 201 or 200, $"viewer {a.Viewer} poll {a.Poll}: final answer {a.Status}"));
        Assert.Equal(all.Length, all.Select(a => (a.Viewer, a.Poll)).Distinct().Count());

        // On the way, nothing but 503 with Retry-After (or no answer at all, when HAProxy cut the connection).
        Assert.All(load.Interim, i => Assert.True(i.Status == 0 || (i.Status == 503 && i.HasRetryAfter), $"interim answer {i.Status} at {i.At:F2}s"));

        // Exactly once on the primary and on its synchronous standby (once it replayed everything).
        var audit = await StoredVotes.AssertExactlyOnceAsync(Cluster.ConnectionString(leader), load, all, $"the primary {leader.Name}");
        await Cluster.WaitForReplayAsync(syncStandby, leader, Recovery);
        await StoredVotes.AssertExactlyOnceAsync(Cluster.ConnectionString(syncStandby), load, all, $"the synchronous standby {syncStandby.Name}");

        // The auditor's own tool agrees: every chain intact, every vote matching its entry, every tally the recount.
        var (exitCode, verifyOutput) = await AuditVerifyCli.VerifyPostgresAsync(Cluster.ConnectionString(leader));
        Assert.True(exitCode == 0, verifyOutput);
        Assert.Contains("OK: every writer's hash chain is intact", verifyOutput, StringComparison.Ordinal);

        await StoredVotes.AssertResultsApiAsync(load, audit);
        return new ScenarioOutcome(load, all, oldLeader, before.Leader.Timeline, leader, after.Leader?.Timeline ?? 0, syncStandby, watch.WentDown);
    }

    /// <summary>What a scenario ended with, for its own assertions.</summary>
    protected sealed record ScenarioOutcome(
        VoteLoad Load, VoteAnswer[] Answers, PatroniMember OldLeader, int OldTimeline, PatroniMember Leader, int Timeline,
        PatroniMember SyncStandby, bool PrimaryWentDown);

    /// <summary>
    /// Polls every member's <c>GET /primary</c> (what HAProxy checks) every 100 ms from the kill on, all members at
    /// once: whether a moment came when none answered 200, and when one did again. An outage shorter than a sample
    /// can go unseen (a crashed postmaster restarted at once): then "without a primary" is 0.
    /// </summary>
    private sealed class PrimaryWatch : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private Task _loop = Task.CompletedTask;

        public bool WentDown { get; private set; }

        public double? UpAgainAt { get; private set; }

        public static PrimaryWatch Start(PatroniCluster cluster, Stopwatch clock)
        {
            var watch = new PrimaryWatch();
            watch._loop = Task.Run(() => watch.LoopAsync(cluster, clock));
            return watch;
        }

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await _loop;
        }

        public void Dispose() => _stop.Dispose();

        private async Task LoopAsync(PatroniCluster cluster, Stopwatch clock)
        {
            while (!_stop.IsCancellationRequested)
            {
                var up = (await Task.WhenAll(cluster.Members.Select(cluster.IsPrimaryAsync))).Any(primary => primary);

                if (!up)
                {
                    WentDown = true;
                }
                else if (WentDown && UpAgainAt is null)
                {
                    UpAgainAt = clock.Elapsed.TotalSeconds;
                }

                try
                {
                    await Task.Delay(100, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
    }
}
