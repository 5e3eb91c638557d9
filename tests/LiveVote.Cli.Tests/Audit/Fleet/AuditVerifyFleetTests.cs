using System.Text.Json;
using LiveVote.Cli.Audit.Fleet;
using LiveVote.Cli.Tests.Infrastructure;
using LiveVote.Server.Audit;
using LiveVote.Server.Polls;
using LiveVote.Server.Votes;

namespace LiveVote.Cli.Tests.Audit.Fleet;

/// <summary>
/// <c>audit verify</c> with one <c>--postgres</c> per cluster, against a three-cluster fleet written through the server's
/// writing path (<see cref="PostgresFleet"/>), then against copies in which a vote lives in the wrong cluster, a voter
/// lives in two, a poll is missing from some clusters or defined differently, or the clusters are given in the wrong
/// order or incompletely. Every problem names its partition.
/// </summary>
public sealed class AuditVerifyFleetTests(PostgresFleet fleet) : IClassFixture<PostgresFleet>
{
    [Fact]
    public async Task Verify_CleanFleet_ExitsZeroWithEachPartitionAndTheFleetTotals()
    {
        var clusters = await fleet.CopyAsync();

        var result = await RunAsync(clusters);

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains("Fleet:       3 partitions (clusters), partition 0 first", result.Output, StringComparison.Ordinal);
        Assert.Contains($"Fleet map:   {string.Join(',', fleet.ClusterIds)}", result.Output, StringComparison.Ordinal);
        for (var p = 0; p < PostgresFleet.Clusters; p++)
        {
            Assert.Contains($"Partition {p}:\n  Cluster:     {fleet.ClusterIds[p]}, recorded as partition {p}\n", result.Output, StringComparison.Ordinal);
            var votes = fleet.ClosedPollVotes.Count(v => v.Partition == p) + fleet.OpenPollVotes.Count(v => v.Partition == p);
            Assert.Contains($"  Votes:       {votes} in the audit chain, {votes} rows in the votes table", result.Output, StringComparison.Ordinal);
        }

        var total = fleet.ClosedPollVotes.Count + fleet.OpenPollVotes.Count;
        Assert.Contains($"Placement:   {total} votes rows", result.Output, StringComparison.Ordinal);
        var shares = string.Join(", ", Enumerable.Range(0, PostgresFleet.Clusters).Select(p => $"partition {p}: {fleet.ClosedPollVotes.Count(v => v.Partition == p)}"));
        Assert.Contains($"  fleetfinal \"Final vote\" (closed): 30 votes ({shares})", result.Output, StringComparison.Ordinal);
        Assert.Contains("    a  10\n    b  10\n    c  10\n", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("WARN:", result.Output, StringComparison.Ordinal);
        Assert.Contains("OK: every partition's writer chains are intact", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_CleanFleetAsJson_GivesPerPartitionAndSummedFigures()
    {
        var clusters = await fleet.CopyAsync();

        var result = await RunAsync([.. clusters, "--json"]);

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        using var json = JsonDocument.Parse(result.Output);
        var root = json.RootElement;
        Assert.True(root.GetProperty("ok").GetBoolean());
        Assert.Equal(fleet.ClusterIds, root.GetProperty("clusterMap").EnumerateArray().Select(e => e.GetString()));
        var partitions = root.GetProperty("partitions").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2], partitions.Select(p => p.GetProperty("partition").GetInt32()));
        Assert.Equal(fleet.ClusterIds, partitions.Select(p => p.GetProperty("clusterId").GetString()));
        var poll = root.GetProperty("polls").EnumerateArray().Single(p => p.GetProperty("id").GetString() == "fleetfinal");
        Assert.Equal(30, poll.GetProperty("votes").GetInt64());
        Assert.Equal(["a=10", "b=10", "c=10"], poll.GetProperty("options").EnumerateArray().Select(o => $"{o.GetProperty("id").GetString()}={o.GetProperty("votes").GetInt64()}"));
        Assert.Equal(
            Enumerable.Range(0, PostgresFleet.Clusters).Select(p => (long)fleet.ClosedPollVotes.Count(v => v.Partition == p)),
            poll.GetProperty("partitions").EnumerateArray().Select(p => p.GetProperty("votes").GetInt64()));
        Assert.Equal(
            poll.GetProperty("votes").GetInt64(),
            partitions.Sum(p => p.GetProperty("report").GetProperty("polls").EnumerateArray()
                .Single(q => q.GetProperty("id").GetString() == "fleetfinal").GetProperty("votes").GetInt64()));
    }

    [Fact]
    public async Task Verify_VoteWrittenToTheWrongCluster_FailsNamingThePartitionAndTheVote()
    {
        var clusters = await fleet.CopyAsync();
        var voter = NewVoterOf(fleet.OpenPoll, partition: 0);
        await using (var wrong = await ClusterWriter.OpenAsync(clusters[1]))
        {
            Assert.Equal(VoteOutcome.Accepted, await wrong.VoteAsync(fleet.OpenPoll, voter, 1));
        }

        var report = FleetAuditVerifier.Verify(clusters);

        Assert.False(report.Ok);
        // The cluster itself is consistent (its chain, votes and tallies agree): only the placement is wrong.
        Assert.All(report.Partitions, p => Assert.True(p.Report.Ok, string.Join("\n", p.Report.Problems)));
        var problem = Assert.Single(report.Problems);
        Assert.Equal(1, problem.Partition);
        Assert.Equal("fleetlive", problem.PollId);
        Assert.NotNull(problem.Seq);
        Assert.Contains($"voter {Hex(voter)}) is in partition 1, but its voter belongs in partition 0", problem.Message, StringComparison.Ordinal);

        var result = await RunAsync(clusters);
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"FAIL: partition 1 chain {problem.Chain} seq {problem.Seq}: votes row (poll fleetlive", result.FirstFailure, StringComparison.Ordinal);
        Assert.Contains($"first bad partition 1 chain {problem.Chain} seq {problem.Seq}.", result.Output, StringComparison.Ordinal);

        var json = await RunAsync([.. clusters, "--json"]);
        Assert.Equal(1, json.ExitCode);
        using var document = JsonDocument.Parse(json.Output);
        Assert.False(document.RootElement.GetProperty("ok").GetBoolean());
        var listed = Assert.Single(document.RootElement.GetProperty("problems").EnumerateArray());
        Assert.Equal(1, listed.GetProperty("partition").GetInt32());
        Assert.Equal(problem.Chain, listed.GetProperty("chain").GetInt32());
        Assert.Equal(problem.Seq, listed.GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task Verify_SameVoterInTwoClusters_FailsNamingBothPartitions()
    {
        var clusters = await fleet.CopyAsync();
        var twice = fleet.OpenPollVotes.First(v => v.Partition == 0);
        await using (var other = await ClusterWriter.OpenAsync(clusters[2]))
        {
            Assert.Equal(VoteOutcome.Accepted, await other.VoteAsync(fleet.OpenPoll, twice.Voter, twice.Option));
        }

        var report = FleetAuditVerifier.Verify(clusters);

        Assert.False(report.Ok);
        Assert.Contains(report.Problems, p => p.Partition is null && p.PollId == "fleetlive"
            && p.Message.StartsWith($"voter {Hex(twice.Voter)} has votes rows in partitions 0 (chain ", StringComparison.Ordinal)
            && p.Message.Contains(") and 2 (chain ", StringComparison.Ordinal));
        Assert.Contains(report.Problems, p => p.Partition == 2 && p.Message.Contains("belongs in partition 0", StringComparison.Ordinal));
        // The fleet totals count the voter twice, which is exactly what the problem says.
        Assert.Equal(fleet.OpenPollVotes.Count + 1, report.Polls.Single(p => p.Id == "fleetlive").Votes);
    }

    [Fact]
    public async Task Verify_ClustersInAnotherOrder_FailsNamingEachMisplacedPartition()
    {
        var clusters = await fleet.CopyAsync();

        var result = await RunAsync(clusters[1], clusters[0], clusters[2]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"FAIL: partition 0: cluster {fleet.ClusterIds[1]} records partition_index 1, but the command line gives it as partition 0", result.Output, StringComparison.Ordinal);
        Assert.Contains($"FAIL: partition 1: cluster {fleet.ClusterIds[0]} records partition_index 0, but the command line gives it as partition 1", result.Output, StringComparison.Ordinal);
        Assert.Contains($"FAIL: partition 0: cluster {fleet.ClusterIds[1]} is partition 1 in the fleet map, but the command line gives it as partition 0 (reordered --postgres?)", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("FAIL: partition 2: cluster", result.Output, StringComparison.Ordinal);
        // Every vote of the swapped clusters is now in the wrong place too.
        Assert.Contains("is in partition 0, but its voter belongs in partition 1", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_ClusterMissingFromTheCommandLine_FailsNamingTheMissingPartition()
    {
        var clusters = await fleet.CopyAsync();

        var report = FleetAuditVerifier.Verify(clusters[..2]);

        Assert.False(report.Ok);
        Assert.Contains(report.Problems, p => p.Partition is null
            && p.Message == $"the fleet map names 3 clusters, the command line gives 2: missing partition 2 (cluster {fleet.ClusterIds[2]})");
        Assert.Contains(report.Problems, p => p.PollId == "fleetfinal" && p.Message.StartsWith("spread over 3 partitions, but the command line gives 2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Verify_ClusterGivenInsteadOfAnother_FailsNamingItsPartition()
    {
        var clusters = await fleet.CopyAsync();

        var report = FleetAuditVerifier.Verify([clusters[0], clusters[2]]);

        Assert.Contains(report.Problems, p => p.Partition == 1
            && p.Message.StartsWith($"cluster {fleet.ClusterIds[2]} records partition_index 2, but the command line gives it as partition 1", StringComparison.Ordinal));
        Assert.Contains(report.Problems, p => p.Partition == 1
            && p.Message.StartsWith($"cluster {fleet.ClusterIds[2]} is partition 2 in the fleet map", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Verify_ClusterTheFleetNeverMapped_FailsAndWarnsNamingItsPartition()
    {
        var clusters = await fleet.CopyAsync();
        var stranger = await fleet.EmptyClusterAsync();

        var report = FleetAuditVerifier.Verify([.. clusters, stranger]);

        Assert.False(report.Ok);
        Assert.Contains(report.Warnings, w => w.Partition == 3 && w.Message.EndsWith("no node has mapped this cluster yet", StringComparison.Ordinal));
        Assert.Contains(report.Problems, p => p.Partition == 3 && p.Message.Contains("is not in the fleet map", StringComparison.Ordinal));
        // Its polls spread over partitions 0..2 only: the stranger lacking them is not a second problem.
        Assert.DoesNotContain(report.Problems, p => p.PollId is not null);
    }

    [Fact]
    public async Task Verify_PollMissingInSomeClusters_FailsNamingThosePartitions()
    {
        var clusters = await fleet.CopyAsync();
        var poll = new Poll("onlyhere", "Created in one cluster", [new("y", "Yes"), new("n", "No")], PollStatus.Draft, DateTimeOffset.UtcNow, null, null)
        {
            PartitionCount = PostgresFleet.Clusters,
        };
        await using (var first = await ClusterWriter.OpenAsync(clusters[0]))
        {
            await first.ChangeAsync(poll, AuditKinds.PollCreated);
        }

        var report = FleetAuditVerifier.Verify(clusters);

        Assert.All(report.Partitions, p => Assert.True(p.Report.Ok, string.Join("\n", p.Report.Problems)));
        Assert.Equal([1, 2], report.Problems.Select(p => p.Partition));
        Assert.All(report.Problems, p =>
        {
            Assert.Equal("onlyhere", p.PollId);
            Assert.Equal("polls table has no row for this poll, which partition 0 holds: its changes fan out to every partition it is spread over (3)", p.Message);
        });
        var result = await RunAsync(clusters);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("FAIL: partition 1 poll onlyhere: polls table has no row for this poll, which partition 0 holds: its changes fan out to every partition it is spread over (3)", result.FirstFailure);
    }

    [Fact]
    public async Task Verify_PollCreatedBeforeTheLastClusterWasAdded_LivesInItsTwoPartitionsOnly()
    {
        var clusters = await fleet.CopyAsync();
        var (older, votes) = await OlderPollOverTwoPartitionsAsync(clusters);

        var report = FleetAuditVerifier.Verify(clusters);

        Assert.True(report.Ok, string.Join("\n", report.Problems));
        var poll = report.Polls.Single(p => p.Id == older.Id);
        Assert.Equal(votes.Count, poll.Votes);
        Assert.Equal([0, 1], poll.Partitions.Select(p => p.Partition));
    }

    [Fact]
    public async Task Verify_PollCopiedIntoAPartitionBeyondItsSpread_FailsNamingThatPartition()
    {
        var clusters = await fleet.CopyAsync();
        var (older, _) = await OlderPollOverTwoPartitionsAsync(clusters);
        await using (var third = await ClusterWriter.OpenAsync(clusters[2]))
        {
            await third.ChangeAsync(older with { Status = PollStatus.Draft, OpenedAt = null }, AuditKinds.PollCreated);
        }

        var report = FleetAuditVerifier.Verify(clusters);

        var problem = Assert.Single(report.Problems);
        Assert.Equal(2, problem.Partition);
        Assert.Equal(older.Id, problem.PollId);
        Assert.Equal("polls table has a row for this poll, but it is spread over partitions 0..1 only: a poll is never copied into a partition beyond its spread", problem.Message);
    }

    [Fact]
    public async Task Verify_PollSpreadOverAnotherPartitionCountInOneCluster_FailsNamingThatPartition()
    {
        var clusters = await fleet.CopyAsync();
        await PostgresVotedStore.ExecuteOnAsync(clusters[2], "UPDATE polls SET partition_count = 2 WHERE id = 'fleetfinal'");

        var report = FleetAuditVerifier.Verify(clusters);

        var problem = Assert.Single(report.Problems);
        Assert.Equal(2, problem.Partition);
        Assert.Equal("fleetfinal", problem.PollId);
        Assert.Equal("partition_count 2 differs from partition 0's 3: its voters would be placed differently", problem.Message);
    }

    [Fact]
    public async Task Verify_PollClosedInOnlySomeClusters_PassesWithAWarningNamingEachStatus()
    {
        var clusters = await fleet.CopyAsync();
        await using (var first = await ClusterWriter.OpenAsync(clusters[0]))
        {
            await first.ChangeAsync(fleet.OpenPoll.MoveTo(PollStatus.Closed, DateTimeOffset.UtcNow), AuditKinds.PollClosed);
        }

        var result = await RunAsync(clusters);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains(
            "WARN: poll fleetlive: status differs between clusters (partition 0 closed, partition 1 open, partition 2 open): a poll change still fanning out, or one that never reached every cluster",
            result.OutputLines);
        // The fleet's status is the least advanced one: the poll is closed only once every cluster closed it.
        Assert.Contains($"  fleetlive \"Still open\" (open): {fleet.OpenPollVotes.Count} votes", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_FreezeOfTheFleetTotalsInEveryCluster_Passes()
    {
        var clusters = await fleet.CopyAsync();
        await FreezeEverywhereAsync(clusters, [.. Enumerable.Range(0, 3).Select(o => (long)fleet.OpenPollVotes.Count(v => v.Option == o))]);

        var report = FleetAuditVerifier.Verify(clusters);

        // Each cluster alone holds fewer votes than the frozen (summed) counts: only the fleet's votes bound them.
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.All(report.Partitions, p => Assert.Contains(p.Report.EntriesByKind, k => k.Kind == "results-frozen" && k.Entries == 1));
    }

    [Fact]
    public async Task Verify_FreezeShowingMoreThanTheFleetCast_FailsNamingEachPartitionsEntry()
    {
        var clusters = await fleet.CopyAsync();
        var cast = fleet.OpenPollVotes.Count(v => v.Option == 0);
        await FreezeEverywhereAsync(clusters, [cast + 1, fleet.OpenPollVotes.Count(v => v.Option == 1), fleet.OpenPollVotes.Count(v => v.Option == 2)]);

        var report = FleetAuditVerifier.Verify(clusters);

        Assert.Equal([0, 1, 2], report.Problems.Select(p => p.Partition));
        Assert.All(report.Problems, p =>
        {
            Assert.Equal("fleetlive", p.PollId);
            Assert.NotNull(p.Seq);
            Assert.Equal($"results-frozen shows {cast + 1} votes for option 'a', more than the {cast} cast in the whole fleet", p.Message);
        });
    }

    [Fact]
    public async Task Verify_TamperedEntryInOneCluster_FailsNamingItsPartitionChainAndSeq()
    {
        var clusters = await fleet.CopyAsync();
        var rows = await PostgresVotedStore.QueryAsync(clusters[1], "SELECT writer_id, seq FROM audit WHERE kind = 'vote' ORDER BY writer_id, seq LIMIT 1");
        var (writer, seq) = ((int)rows[0][0], (long)rows[0][1]);
        await PostgresVotedStore.ExecuteOnAsync(clusters[1], $"UPDATE audit SET at = at + 1 WHERE writer_id = {writer} AND seq = {seq}");

        var result = await RunAsync(clusters);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"FAIL: partition 1 chain {writer} seq {seq}: hash mismatch", result.FirstFailure, StringComparison.Ordinal);
        Assert.Contains($"first bad partition 1 chain {writer} seq {seq}.", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_OneClusterOfAFleet_IsVerifiedAsASingleStore()
    {
        var clusters = await fleet.CopyAsync();

        var result = await RunAsync(clusters[0]);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.DoesNotContain("Partition", result.Output, StringComparison.Ordinal);
        Assert.Contains("OK: every writer's hash chain is intact", result.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// A poll created when the fleet had two clusters (partition_count 2), opened and voted in those two only, as the
    /// server's fan-out and routing leave it: the third cluster never holds it.
    /// </summary>
    private static async Task<(Poll Poll, List<FleetVote> Votes)> OlderPollOverTwoPartitionsAsync(string[] clusters)
    {
        var poll = new Poll("fleetolder", "Before the third cluster", [new("x", "X"), new("y", "Y")], PollStatus.Draft, DateTimeOffset.UtcNow, null, null)
        {
            PartitionCount = 2,
        };
        await using var first = await ClusterWriter.OpenAsync(clusters[0]);
        await using var second = await ClusterWriter.OpenAsync(clusters[1]);
        ClusterWriter[] writers = [first, second];
        foreach (var writer in writers)
        {
            await writer.ChangeAsync(poll, AuditKinds.PollCreated);
        }

        poll = poll.MoveTo(PollStatus.Open, DateTimeOffset.UtcNow);
        foreach (var writer in writers)
        {
            await writer.ChangeAsync(poll, AuditKinds.PollOpened);
        }

        var votes = new List<FleetVote>();
        for (var i = 0; i < 10; i++)
        {
            var voter = PostgresFleet.Voter($"older-{i}");
            var vote = new FleetVote(voter, VoterPartitioner.PartitionOf(voter, 2), i % 2);
            Assert.Equal(VoteOutcome.Accepted, await writers[vote.Partition].VoteAsync(poll, voter, vote.Option));
            votes.Add(vote);
        }

        Assert.All(new[] { 0, 1 }, p => Assert.Contains(votes, v => v.Partition == p));
        return (poll, votes);
    }

    /// <summary>Freezes the open poll's results in every cluster with one count, as a node's fan-out does.</summary>
    private async Task FreezeEverywhereAsync(string[] clusters, long[] totals)
    {
        var frozen = fleet.OpenPoll.FreezeResults(totals, DateTimeOffset.UtcNow);
        foreach (var cluster in clusters)
        {
            await using var writer = await ClusterWriter.OpenAsync(cluster);
            await writer.ChangeAsync(frozen, AuditKinds.ResultsFrozen);
        }
    }

    private static Task<CliResult> RunAsync(params string[] clustersThenOptions)
    {
        var args = new List<string> { "audit", "verify" };
        foreach (var arg in clustersThenOptions)
        {
            args.AddRange(arg.StartsWith("--", StringComparison.Ordinal) ? [arg] : ["--postgres", arg]);
        }

        return CliRunner.RunAsync([.. args]);
    }

    /// <summary>A voter who has not voted in the poll and whom the server's partitioner puts in <paramref name="partition"/>.</summary>
    private static VoterKey NewVoterOf(Poll poll, int partition) =>
        Enumerable.Range(0, 1000).Select(i => PostgresFleet.Voter($"new-{i}"))
            .First(v => VoterPartitioner.PartitionOf(v, poll.PartitionCount) == partition);

    private static string Hex(VoterKey voter) => Convert.ToHexStringLower(voter.ToArray());
}
