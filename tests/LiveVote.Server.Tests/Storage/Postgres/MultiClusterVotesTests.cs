using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Storage.Postgres;

/// <summary>
/// Voters spread over two and three PostgreSQL clusters (issue 15), three nodes each mapping them all: whichever node
/// a voter reaches, however often the vote is sent, each voter's vote is stored once in the whole fleet, in the
/// cluster <c>VoterPartitioner</c> names and in no other; vote ids name that partition; every node's results are the
/// sum of the clusters' recounts; each cluster's checkpoints bind that cluster's chains.
/// </summary>
public sealed partial class MultiClusterVotesTests
{
    private const int ViewerCount = 240;
    private const int ConcurrentViewerCount = 12;
    private static readonly string[] Options = ["a", "b", "c"];

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Votes_ThroughRandomNodesWithRetriesAndSecondVotes_AreStoredOnceInTheVotersClusterAndSummedOnEveryNode(int clusters)
    {
        await using var fleet = await MultiClusterFleet.StartAsync(clusters, nodes: 3);
        var admin = fleet.Nodes[0].AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin, Options);
        await fleet.WaitUntilOpenOnEveryNodeAsync(poll.Id);
        var keys = await fleet.VoterKeysAsync(poll.Id);
        var clients = fleet.Nodes.Select(n => n.Client()).ToArray();
        var random = new Random(15 + clusters);
        var voters = (await Api.RegisterManyAsync(admin, ViewerCount))
            .Select((v, i) => new Voter(v, Options[i % 3 == 0 ? 0 : i % 7 % 3], random.Next(clients.Length), random.Next(clients.Length)))
            .ToArray();

        // Each voter's first vote through a random node, sent again after a 503 or a lost answer, as clients do.
        var firsts = await Task.WhenAll(voters.Select(v => SendAsync(clients[v.Node], poll.Id, v, v.Option, retry: true)));
        Assert.All(firsts, a => Assert.True(a.Status == HttpStatusCode.Created, $"first vote answered {(int)a.Status}"));

        // The vote id names the voter's partition.
        for (var i = 0; i < voters.Length; i++)
        {
            var match = PartitionedVoteId().Match(firsts[i].Vote!.VoteId);
            Assert.True(match.Success, $"vote id {firsts[i].Vote!.VoteId} does not name a partition");
            Assert.Equal(keys.PartitionOf(voters[i].Registration.ViewerId, clusters), int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        }

        // The same vote again through another node (its answer was lost): the first answer comes back.
        var again = await Task.WhenAll(voters.Where((_, i) => i % 3 == 1).Select(v => SendAsync(clients[v.OtherNode], poll.Id, v, v.Option, retry: true)));
        Assert.All(again, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Equal(
            voters.Select((v, i) => (v, i)).Where(p => p.i % 3 == 1).Select(p => (firsts[p.i].Vote!.VoteId, firsts[p.i].Vote!.Receipt)),
            again.Select(a => (a.Vote!.VoteId, a.Vote!.Receipt)));

        // A second, different vote through another node is refused.
        foreach (var voter in voters.Where((_, i) => i % 4 == 2))
        {
            using var response = await Api.VoteAsync(clients[voter.OtherNode], poll.Id, voter.Registration.Token, Options[(Array.IndexOf(Options, voter.Option) + 1) % 3]);
            await ProblemAssert.IsAsync(response, HttpStatusCode.Conflict, ErrorCodes.AlreadyVoted);
        }

        // Voters whose one vote reaches every node at once: one is stored, every node answers with it.
        var concurrent = (await Api.RegisterManyAsync(admin, ConcurrentViewerCount)).Select(v => new Voter(v, "b", 0, 0)).ToArray();
        foreach (var voter in concurrent)
        {
            var answers = await Task.WhenAll(clients.SelectMany(c => new[] { c, c }).Select(c => SendAsync(c, poll.Id, voter, voter.Option, retry: true)));
            Assert.All(answers, a => Assert.True(a.Status is HttpStatusCode.Created or HttpStatusCode.OK, $"answered {(int)a.Status}"));
            Assert.Single(answers, a => a.Status == HttpStatusCode.Created);
            Assert.Single(answers.Select(a => (a.Vote!.VoteId, a.Vote!.Receipt)).Distinct());
        }

        var everyVoter = voters.Concat(concurrent).ToArray();
        var firstAnswers = firsts.Concat(await Task.WhenAll(concurrent.Select(v => SendAsync(clients[0], poll.Id, v, v.Option, retry: true)))).ToArray();

        // Stored: each voter once in the whole fleet, in its own cluster, under the vote id and receipt it was answered.
        var stored = await Task.WhenAll(fleet.Clusters.Select(ClusterRows.VotesAsync));
        Assert.Equal(everyVoter.Length, stored.Sum(s => s.Count));
        for (var i = 0; i < everyVoter.Length; i++)
        {
            var key = (poll.Id, keys.Hex(everyVoter[i].Registration.ViewerId));
            var holders = Enumerable.Range(0, clusters).Where(c => stored[c].ContainsKey(key)).ToArray();
            var partition = keys.PartitionOf(everyVoter[i].Registration.ViewerId, clusters);
            Assert.Equal([partition], holders);
            var row = stored[partition][key];
            Assert.Equal(firstAnswers[i].Vote!.VoteId, MultiClusterFleet.VoteId(partition, clusters, row.Writer, row.Seq));
            Assert.Equal(firstAnswers[i].Vote!.Receipt, row.Receipt);
            Assert.Equal(everyVoter[i].Option, row.OptionId);
        }

        // The voters really are spread: every cluster holds some (a cluster left empty by chance has odds below 10^-40).
        Assert.All(stored, s => Assert.NotEmpty(s));

        // Every cluster holds the poll, spread over all of them.
        foreach (var cluster in fleet.Clusters)
        {
            var polls = await ClusterRows.PollsAsync(cluster);
            Assert.True(polls.TryGetValue(poll.Id, out var row), $"poll {poll.Id} is missing from a cluster");
            Assert.Equal(clusters, row.PartitionCount);
            Assert.Equal("open", row.Status);
        }

        // Each cluster's tallies equal its recount; every node serves the sum of the recounts.
        var recounts = await Task.WhenAll(fleet.Clusters.Select(ClusterRows.RecountAsync));
        for (var c = 0; c < clusters; c++)
        {
            var tallies = await ClusterRows.TalliesAsync(fleet.Clusters[c]);
            Assert.Equal(recounts[c].OrderBy(p => p.Key).ToArray(), tallies.Where(p => p.Value != 0).OrderBy(p => p.Key).ToArray());
        }

        // Each partition's public audit trail holds exactly its cluster's votes; a partition the poll does not have is a 400.
        for (var c = 0; c < clusters; c++)
        {
            var trail = await AuditOfPartitionAsync(clients[c % clients.Length], poll.Id, c, clusters);
            Assert.Equal(
                stored[c].Keys.Select(k => k.VoterKey).Order(),
                trail.Where(e => e.Kind == "vote").Select(e => e.VoterKey!).Order());
        }

        using (var outside = await clients[0].GetAsync($"/v1/polls/{poll.Id}/audit?partition={clusters}"))
        {
            await ProblemAssert.IsClientErrorAsync(outside);
            Assert.Equal(HttpStatusCode.BadRequest, outside.StatusCode);
        }

        var expected = Options.ToDictionary(o => o, o => recounts.Sum(r => r.GetValueOrDefault((poll.Id, o))));
        Assert.Equal(everyVoter.GroupBy(v => v.Option).ToDictionary(g => g.Key, g => (long)g.Count()), expected.Where(p => p.Value != 0).ToDictionary());
        foreach (var client in clients)
        {
            var results = await Api.ResultsWhenAsync(client, poll.Id, r => Options.All(o => r.Totals.GetValueOrDefault(o) == expected[o]));
            Assert.Equal(expected, results.Totals.ToDictionary());
            Assert.Equal(everyVoter.Length, results.Total);
            Assert.Null(results.StalePartitions);
        }
    }

    [Fact]
    public async Task Checkpoints_OfEachCluster_BindTheHeadsOfThatClustersChainsInItsOwnHashChain()
    {
        await using var fleet = await MultiClusterFleet.StartAsync(clusters: 2, nodes: 2, new Dictionary<string, string?> { ["LiveVote:Postgres:CheckpointIntervalSeconds"] = "1" });
        var admin = fleet.Nodes[0].AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin, Options);
        await fleet.WaitUntilOpenOnEveryNodeAsync(poll.Id);
        var viewers = await Api.RegisterManyAsync(admin, 60);
        var answers = await Task.WhenAll(viewers.Select((v, i) => SendAsync(fleet.Nodes[i % 2].Client(), poll.Id, new Voter(v, "c", 0, 0), "c", retry: true)));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Created, a.Status));

        foreach (var cluster in fleet.Clusters)
        {
            // The heads of this cluster's chains as they stand now: a checkpoint written after the votes names exactly these.
            var heads = string.Join(';', await ReadRowsAsync(cluster, """
                SELECT w.id || ':' || a.seq || ':' || encode(a.hash, 'hex') FROM writers w
                CROSS JOIN LATERAL (SELECT seq, hash FROM audit WHERE writer_id = w.id ORDER BY seq DESC LIMIT 1) a ORDER BY w.id
                """));
            Assert.NotEmpty(heads);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (!(await ReadRowsAsync(cluster, "SELECT heads FROM checkpoints")).Contains(heads) && clock.Elapsed < TimeSpan.FromSeconds(20))
            {
                await Task.Delay(200);
            }

            var rows = await ReadRowsAsync(cluster, "SELECT heads || '|' || encode(prev_hash, 'hex') || '|' || encode(hash, 'hex') FROM checkpoints ORDER BY id");
            Assert.Contains(rows, r => r.StartsWith(heads + "|", StringComparison.Ordinal));
            var prev = new string('0', 64);
            foreach (var row in rows)
            {
                var parts = row.Split('|');
                Assert.Equal(prev, parts[1]);
                Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData([.. Convert.FromHexString(parts[1]), .. System.Text.Encoding.UTF8.GetBytes(parts[0])])), parts[2]);
                prev = parts[2];
            }
        }
    }

    private static async Task<List<string>> ReadRowsAsync(string connectionString, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    /// <summary>Every page of one partition's audit trail of the poll, as a client pages it; each page says which partition it is.</summary>
    private static async Task<List<AuditEntryDto>> AuditOfPartitionAsync(HttpClient client, string pollId, int partition, int partitions)
    {
        var entries = new List<AuditEntryDto>();
        long after = 0;
        while (true)
        {
            var page = (await client.GetFromJsonAsync($"/v1/polls/{pollId}/audit?partition={partition}&after={after}&limit=100", ContractsJsonContext.Default.AuditPageDto))!;
            Assert.Equal((partition, partitions), (page.Partition, page.Partitions));
            entries.AddRange(page.Entries);
            if (page.Next is not { } next)
            {
                return entries;
            }

            after = next;
        }
    }

    private static async Task<Answer> SendAsync(HttpClient client, string pollId, Voter voter, string optionId, bool retry)
    {
        using var response = retry
            ? await Api.VoteWithRetryAsync(client, pollId, voter.Registration.Token, optionId)
            : await Api.VoteAsync(client, pollId, voter.Registration.Token, optionId);
        return new Answer(response.StatusCode, response.IsSuccessStatusCode ? await Api.ReadVoteAsync(response) : null);
    }

    [GeneratedRegex(@"^([0-9]+)\.[0-9]+-[0-9]+$")]
    private static partial Regex PartitionedVoteId();

    /// <summary>A viewer, the option it votes for, the node it votes through first and the one it tries again on.</summary>
    private sealed record Voter(RegisterViewerResponse Registration, string Option, int Node, int OtherNode);

    private sealed record Answer(HttpStatusCode Status, VoteResponse? Vote);
}
