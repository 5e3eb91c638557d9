using LiveVote.Server.Tests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace LiveVote.Server.Tests.Storage.Postgres;

/// <summary>
/// Failover by Patroni, as production runs it, under vote load (see <see cref="PatroniFailoverTestBase"/> for what
/// every scenario checks): the node of the primary lost, its database crashed, its Patroni lost with PostgreSQL left
/// running (a zombie primary), the lost node back as a replica, and one etcd member of three lost.
/// </summary>
public sealed class PatroniFailoverTests(ITestOutputHelper output) : PatroniFailoverTestBase(output)
{
    [Fact]
    public async Task NodeLoss_KillOfTheLeadersPatroniAndPostmaster_AnotherMemberLeadsAndNoAnsweredVoteIsLost()
    {
        var outcome = await RunAsync("node-loss", leader =>
        {
            Cluster.KillNode(leader);
            return Task.CompletedTask;
        });

        Assert.NotEqual(outcome.OldLeader.Name, outcome.Leader.Name);
        Assert.True(outcome.Timeline > outcome.OldTimeline, $"timeline {outcome.OldTimeline} -> {outcome.Timeline}");
    }

    [Fact]
    public async Task DatabaseCrash_KillOfTheLeadersPostmaster_PatroniRecoversAndNoAnsweredVoteIsLost()
    {
        var outcome = await RunAsync("database-crash", leader =>
        {
            Cluster.KillPostmaster(leader);
            return Task.CompletedTask;
        });

        // Patroni either restarted it as primary or failed over to the synchronous standby: both are fine, a primary
        // there must be, and the crash must have been noticed (HAProxy had no primary for a while).
        Assert.True(outcome.PrimaryWentDown, "the crash went unnoticed");
        Output.WriteLine(outcome.Leader == outcome.OldLeader ? "Patroni restarted the crashed primary" : $"Patroni failed over to {outcome.Leader.Name}");
    }

    [Fact]
    public async Task ZombiePrimary_KillOfTheLeadersPatroniOnly_TheOldPrimaryAcknowledgesNothingOnceFenced()
    {
        var markedDownAt = 0.0;
        VoteLoad? load = null;
        var outcome = await RunAsync("zombie-primary", async leader =>
        {
            Cluster.KillPatroni(leader);
            await Cluster.WaitMarkedDownAsync(leader, Recovery);
        });
        load = outcome.Load;
        markedDownAt = load.Clock.Elapsed.TotalSeconds;

        var zombie = outcome.OldLeader;
        Assert.NotEqual(zombie.Name, outcome.Leader.Name);
        Assert.True(zombie.PostmasterPid is { } pid && ZoneProcess.IsAlive(pid), "the old primary's PostgreSQL was left running");

        // What the zombie committed that the new primary does not have was never acknowledged: every answered vote is
        // on the new primary under the id it was answered with (checked above), and none matches a zombie-only row.
        await using var connection = new NpgsqlConnection(Cluster.ConnectionString(zombie));
        await connection.OpenAsync();
        var onZombie = await StoredVotes.ReadVotesAsync(connection);
        await using var primaryConnection = new NpgsqlConnection(Cluster.ConnectionString(outcome.Leader));
        await primaryConnection.OpenAsync();
        var onPrimary = await StoredVotes.ReadVotesAsync(primaryConnection);
        var zombieOnly = onZombie.Where(r => !onPrimary.TryGetValue(r.Key, out var row) || row != r.Value).ToDictionary();
        foreach (var answer in outcome.Answers)
        {
            var key = (load.Polls[answer.Poll].Id, TestTokens.VoterKey(load.Viewers[answer.Viewer].ViewerId));
            Assert.False(zombieOnly.TryGetValue(key, out var row) && $"{row.Writer}-{row.Seq}" == answer.VoteId,
                $"vote {answer.VoteId} was acknowledged from the fenced old primary only");
        }

        // Its commits after the cut wait for a synchronous standby that now follows the new primary.
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'", connection);
        Output.WriteLine($"zombie {zombie.Name}: {zombieOnly.Count} rows the new primary does not have (none acknowledged), " +
            $"{await command.ExecuteScalarAsync()} backends waiting for synchronous replication; {onZombie.Count} rows there, {onPrimary.Count} on the new primary");
    }

    [Fact]
    public async Task Rejoin_LostNodeRestarted_RejoinsAsReplicaHoldingEveryAnsweredVote()
    {
        PatroniMember? rejoined = null;
        var outcome = await RunAsync(
            "rejoin",
            leader =>
            {
                Cluster.KillNode(leader);
                return Task.CompletedTask;
            },
            afterRecovery: async old =>
            {
                rejoined = old;
                await Cluster.RestartPatroniAsync(old);
                await Cluster.WaitForReplicaAsync(old, Recovery);
            });

        Assert.NotEqual(outcome.OldLeader.Name, outcome.Leader.Name);
        var member = rejoined!;
        await Cluster.WaitForReplicaAsync(member, Recovery);

        // Rewound or re-cloned, it holds exactly what the primary holds: every answered vote, once.
        await Cluster.WaitForReplayAsync(member, outcome.Leader, Recovery);
        await StoredVotes.AssertExactlyOnceAsync(Cluster.ConnectionString(member), outcome.Load, outcome.Answers, $"the rejoined {member.Name}");
        var state = (await Cluster.StateAsync())!;
        Assert.NotNull(state.SyncStandby);
        Output.WriteLine($"after rejoin: {state}");
    }

    [Fact]
    public async Task EtcdMemberLost_KillOfTheRaftLeader_NoFailoverAndNoInterruption()
    {
        EtcdMember? killed = null;
        var outcome = await RunAsync(
            "etcd-member-lost",
            async _ =>
            {
                killed = await Cluster.EtcdLeaderAsync();
                Cluster.KillEtcd(killed);
            },
            outage: false,
            observe: TimeSpan.FromSeconds(15));

        Output.WriteLine($"killed etcd raft leader {killed}");
        Assert.Equal(outcome.OldLeader.Name, outcome.Leader.Name);
        Assert.Equal(outcome.OldTimeline, outcome.Timeline);
        Assert.False(outcome.PrimaryWentDown, "HAProxy's check saw no primary for a moment");
        Assert.Empty(outcome.Load.Interim);
    }
}
