using System.Globalization;
using LiveVote.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace LiveVote.Server.Tests.Storage.Postgres;

/// <summary>
/// Three zones (a primary and two synchronous standbys) under steady vote load from two API nodes; the primary is
/// killed with SIGKILL mid-stream and the most advanced standby promoted by script (see <see cref="PostgresReplicaSet"/>
/// for why; <see cref="PatroniFailoverTests"/> is how production fails over). The nodes find the new primary through their multi-host connection string; clients retry the
/// same vote on 503s, lost connections and timeouts (<see cref="VoteLoad"/>). Nothing acknowledged may be lost or counted twice.
/// The outage and throughput figures are printed, never asserted.
/// </summary>
public sealed class FailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int ViewerCount = 300;
    private const int PollCount = 200;
    private static readonly TimeSpan LoadBeforeKill = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan LoadAfterRecovery = TimeSpan.FromSeconds(4);
    private readonly List<LiveVoteServer> _nodes = [];
    private PostgresReplicaSet? _zones;

    public async Task InitializeAsync()
    {
        _zones = await PostgresReplicaSet.StartAsync();
        for (var i = 0; i < 2; i++)
        {
            _nodes.Add(new LiveVoteServer(new Dictionary<string, string?>
            {
                ["LiveVote:Storage"] = "Postgres",
                ["LiveVote:Postgres:ConnectionString"] = _zones.MultiHostConnectionString,
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
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        if (_zones is not null)
        {
            await _zones.DisposeAsync();
        }
    }

    [Fact]
    public async Task Votes_AcrossKillOfThePrimary_AreAllAnsweredAndStoredExactlyOnce()
    {
        var zones = _zones!;
        var load = await VoteLoad.PrepareAsync(_nodes, ViewerCount, PollCount);
        load.Start();

        await Task.Delay(LoadBeforeKill);
        var oldPrimary = zones.Primary;
        var killedAt = load.Clock.Elapsed.TotalSeconds;
        zones.KillPrimary();
        var newPrimary = await zones.PromoteMostAdvancedStandbyAsync();
        var promotedAt = load.Clock.Elapsed.TotalSeconds;
        await zones.RepointStandbysAsync();
        var repointedAt = load.Clock.Elapsed.TotalSeconds;
        var recoveredAt = await load.FirstAcceptedAfterAsync(killedAt, TimeSpan.FromSeconds(60), retriedOnly: true);
        await Task.Delay(LoadAfterRecovery);
        var all = await load.StopAsync();
        var stoppedAt = load.Clock.Elapsed.TotalSeconds;

        Report(all, oldPrimary, newPrimary, killedAt, promotedAt, repointedAt, recoveredAt, stoppedAt);

        // Every viewer got a final answer for every vote it sent: none lost, none left failing.
        Assert.All(all, a => Assert.True(a.Status is 201 or 200, $"viewer {a.Viewer} poll {a.Poll}: final answer {a.Status}"));
        Assert.Equal(all.Length, all.Select(a => (a.Viewer, a.Poll)).Distinct().Count());

        // Every answered vote stored once with its receipt, the audit holding each exactly once, totals = recount.
        var audit = await StoredVotes.AssertExactlyOnceAsync(PostgresReplicaSet.ConnectionString(newPrimary), load, all, "the new primary");

        // Both nodes lost their connection mid-load and each went on under a new writer id: a new chain, not a broken one.
        Assert.True(audit.Select(e => e.Writer).Distinct().Count() >= 4, "expected a chain per node before and after the failover");

        // Totals, as the results API serves them, equal the audit recount.
        await StoredVotes.AssertResultsApiAsync(load, audit);
    }

    private void Report(VoteAnswer[] all, PostgresReplicaSet.Member oldPrimary, PostgresReplicaSet.Member newPrimary, double killedAt, double promotedAt, double repointedAt, double recoveredAt, double stoppedAt)
    {
        // The longest stretch around the failover in which no vote was answered 201.
        var (gapFrom, gapTo) = VoteLoad.LongestGapWithout201(all, killedAt - 1, recoveredAt + 1);
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(inv, $"killed {oldPrimary} at {killedAt:F2}s; promoted {newPrimary} at {promotedAt:F2}s: {promotedAt - killedAt:F2}s without a primary; " +
            $"other standby following it at {repointedAt:F2}s (commits wait for it: {repointedAt - killedAt:F2}s without a synchronous primary)"));
        output.WriteLine(string.Create(inv, $"no vote accepted from {gapFrom:F2}s to {gapTo:F2}s: {gapTo - gapFrom:F2}s"));
        output.WriteLine(string.Create(inv, $"votes/s before {VoteLoad.Rate(all, 1, killedAt):F0}, during (kill to first retried vote accepted, {recoveredAt - killedAt:F2}s) {VoteLoad.Rate(all, killedAt, recoveredAt):F0}, after {VoteLoad.Rate(all, recoveredAt, stoppedAt):F0}"));
        output.WriteLine($"answers: {all.Length} ({all.Count(a => a.Status == 201)} x 201, {all.Count(a => a.Status == 200)} x 200 duplicate of a vote whose first answer was lost, " +
            $"{all.Count(a => a.Attempts > 0)} needed retries, most retries of one vote {all.Select(a => a.Attempts).DefaultIfEmpty(0).Max()})");
        output.WriteLine("answers per second: " + string.Join(' ', all.GroupBy(a => (int)a.At).OrderBy(g => g.Key).Select(g => $"{g.Key}s:{g.Count()}")));
    }
}
