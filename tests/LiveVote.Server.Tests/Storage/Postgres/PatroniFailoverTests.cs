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
        var killed = 0;
        var outcome = await RunAsync("database-crash", leader =>
        {
            killed = leader.PostmasterPid ?? throw new InvalidOperationException($"{leader.Name} has no postmaster.pid");
            Cluster.KillPostmaster(leader);
            return Task.CompletedTask;
        });

        // Patroni either restarted it as primary or failed over to the synchronous standby: both are fine, but the
        // primary now is another postmaster than the one killed (the test's checks above ran against it).
        Assert.False(ZoneProcess.IsAlive(killed), $"postmaster {killed} survived kill -9");
        Assert.NotEqual(killed, outcome.Leader.PostmasterPid);
        Output.WriteLine(outcome.Leader == outcome.OldLeader ? "Patroni restarted the crashed primary" : $"Patroni failed over to {outcome.Leader.Name}");
    }

    [Fact]
    public async Task ZombiePrimary_KillOfTheLeadersPatroniOnly_TheOldPrimaryAcknowledgesNothingOnceFenced()
    {
        var markedDownAfter = TimeSpan.Zero;
        var outcome = await RunAsync("zombie-primary", async leader =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            Cluster.KillPatroni(leader);
            await Cluster.WaitMarkedDownAsync(leader, Recovery);
            markedDownAfter = clock.Elapsed;
        });
        var load = outcome.Load;

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
        var keys = await TestVoterKeys.ForPollsAsync(Cluster.ConnectionString(outcome.Leader), load.Polls.Select(p => p.Id));
        foreach (var answer in outcome.Answers)
        {
            var key = (load.Polls[answer.Poll].Id, keys[load.Polls[answer.Poll].Id].Hex(load.Viewers[answer.Viewer].ViewerId));
            Assert.False(zombieOnly.TryGetValue(key, out var row) && $"{row.Writer}-{row.Seq}" == answer.VoteId,
                $"vote {answer.VoteId} was acknowledged from the fenced old primary only");
        }

        // And it could acknowledge nothing even to a client that reached it directly: a commit there waits for a
        // synchronous standby that now follows the new primary. Ended by terminating the backend (the connection
        // closes, no success), never by a cancel, which would end the wait with a locally committed "success".
        await using var probe = new NpgsqlConnection(Cluster.ConnectionString(zombie, "postgres"));
        await probe.OpenAsync();
        await using var commitCommand = new NpgsqlCommand(PatroniCluster.ProbeWrite, probe) { CommandTimeout = 0 };
        var commit = commitCommand.ExecuteNonQueryAsync();
        await using var waits = new NpgsqlCommand($"SELECT wait_event FROM pg_stat_activity WHERE pid = {probe.ProcessID}", connection);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        string? waitEvent = null;
        while (!commit.IsCompleted && waitEvent != "SyncRep" && clock.Elapsed < Recovery)
        {
            waitEvent = await waits.ExecuteScalarAsync() as string;
            await Task.Delay(100);
        }

        Assert.False(commit.IsCompletedSuccessfully, "a commit on the fenced old primary returned");
        Assert.Equal("SyncRep", waitEvent);
        await using (var terminate = new NpgsqlCommand($"SELECT pg_terminate_backend({probe.ProcessID})", connection))
        {
            await terminate.ExecuteScalarAsync();
        }

        await Assert.ThrowsAnyAsync<NpgsqlException>(() => commit);
        Output.WriteLine($"HAProxy marked {zombie.Name} down {markedDownAfter.TotalSeconds:F2}s after its Patroni was killed; " +
            $"{zombieOnly.Count} rows there the new primary does not have (none acknowledged); {onZombie.Count} rows there, {onPrimary.Count} on the new primary; " +
            "a direct commit there waited for synchronous replication until terminated");
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
                var clock = System.Diagnostics.Stopwatch.StartNew();
                await Cluster.RestartPatroniAsync(old);
                await Cluster.WaitForReplicaAsync(old, Recovery);
                Output.WriteLine($"{old.Name} restarted: a replica on the leader's timeline after {clock.Elapsed.TotalSeconds:F1}s");
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
