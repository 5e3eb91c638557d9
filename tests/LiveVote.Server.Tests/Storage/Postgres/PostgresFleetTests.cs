using System.Net;
using System.Net.Http.Json;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using Npgsql;

namespace LiveVote.Server.Tests.Storage.Postgres;

/// <summary>Several LiveVote nodes on one real PostgreSQL: exactly-once across nodes and converging results.</summary>
public sealed class PostgresFleetTests() : FleetTestBase(new Dictionary<string, string?> { ["LiveVote:Postgres:CheckpointIntervalSeconds"] = "1" })
{
    [Fact]
    public async Task Vote_SameViewerOnThreeNodesAtOnce_IsAcceptedExactlyOnce()
    {
        var poll = await Api.CreateOpenPollAsync(Nodes[0].AdminClient());
        await WaitUntilAllNodesSeeOpenAsync(poll.Id);
        var viewer = await Api.RegisterAsync(Nodes[1].AdminClient());

        var responses = await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
            Api.VoteAsync(Nodes[i % 3].Client(), poll.Id, viewer.Token, "a")));

        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, r.StatusCode.ToString()));
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        var votes = await Task.WhenAll(responses.Select(r => r.Content.ReadFromJsonAsync(ContractsJsonContext.Default.VoteResponse)));
        Assert.Single(votes.Select(v => v!.VoteId).Distinct());
        Assert.Single(votes.Select(v => v!.Receipt).Distinct());

        var second = await Api.VoteAsync(Nodes[2].Client(), poll.Id, viewer.Token, "b");
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM votes"));
        foreach (var node in Nodes)
        {
            var results = await Api.ResultsWhenAsync(node.Client(), poll.Id, r => r.Total == 1);
            Assert.Equal(1, results.Totals["a"]);
            Assert.Equal(0, results.Totals["b"]);
        }
    }

    [Fact]
    public async Task Votes_SpreadOverThreeNodes_AreCountedExactlyAndEveryNodeConverges()
    {
        var poll = await Api.CreateOpenPollAsync(Nodes[0].AdminClient(), "a", "b", "c");
        await WaitUntilAllNodesSeeOpenAsync(poll.Id);
        var admin = Nodes[0].AdminClient();
        var viewers = await Task.WhenAll(Enumerable.Range(0, 600).Select(_ => Api.RegisterAsync(admin)));
        string[] options = ["a", "b", "c"];
        var clients = Nodes.Select(n => n.Client()).ToArray();

        var responses = await Task.WhenAll(viewers.Select((v, i) => Api.VoteAsync(clients[i % 3], poll.Id, v.Token, options[i % 3 == 0 ? 0 : i % 7 % 3])));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        var expected = viewers.Select((_, i) => options[i % 3 == 0 ? 0 : i % 7 % 3]).GroupBy(o => o).ToDictionary(g => g.Key, g => (long)g.Count());
        foreach (var client in clients)
        {
            var results = await Api.ResultsWhenAsync(client, poll.Id, r => r.Total == viewers.Length);
            Assert.Equal(viewers.Length, results.Total);
            foreach (var option in options)
            {
                Assert.Equal(expected.GetValueOrDefault(option), results.Totals[option]);
            }
        }

        Assert.Equal(viewers.Length, await CountAsync("SELECT count(*) FROM votes"));
        Assert.Equal(viewers.Length, await CountAsync("SELECT count(*) FROM audit WHERE kind = 'vote'"));
        Assert.Equal(viewers.Length, await CountAsync("SELECT coalesce(sum(count), 0) FROM tallies"));

        // Each node's writer owns its tally rows: no row is shared between writers.
        Assert.True(await CountAsync("SELECT count(DISTINCT writer_id) FROM tallies") >= 3);
    }

    [Fact]
    public async Task Close_OnOneNode_StopsVotesOnEveryNode()
    {
        var poll = await Api.CreateOpenPollAsync(Nodes[0].AdminClient());
        await WaitUntilAllNodesSeeOpenAsync(poll.Id);
        var admin = Nodes[0].AdminClient();
        var early = await Api.RegisterAsync(admin);
        Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(Nodes[2].Client(), poll.Id, early.Token, "a")).StatusCode);

        (await Nodes[1].AdminClient().PostAsync($"/v1/polls/{poll.Id}/close", null)).EnsureSuccessStatusCode();

        // Right after the close another node may still think the poll open; the store refuses the vote all the same.
        var late = await Api.RegisterAsync(admin);
        var response = await Api.VoteAsync(Nodes[2].Client(), poll.Id, late.Token, "a");
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var results = await Api.ResultsWhenAsync(Nodes[2].Client(), poll.Id, r => r.Status == "closed");
        Assert.Equal("closed", results.Status);
        Assert.Equal(1, results.Total);
    }

    [Fact]
    public async Task Audit_OfEveryWriter_IsAnIntactChain()
    {
        var poll = await Api.CreateOpenPollAsync(Nodes[0].AdminClient());
        await WaitUntilAllNodesSeeOpenAsync(poll.Id);
        var admin = Nodes[0].AdminClient();
        var viewers = await Task.WhenAll(Enumerable.Range(0, 90).Select(_ => Api.RegisterAsync(admin)));
        await Task.WhenAll(viewers.Select((v, i) => Api.VoteAsync(Nodes[i % 3].Client(), poll.Id, v.Token, "b")));

        await using var connection = new NpgsqlConnection(Fleet.Postgres.ConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT writer_id, seq, kind, poll_id, voter_key, option_id, at, data, prev_hash, hash FROM audit ORDER BY writer_id, seq", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var chains = new Dictionary<int, (long Seq, string Hash)>();
        var entries = 0;
        while (await reader.ReadAsync())
        {
            var writer = reader.GetInt32(0);
            var seq = reader.GetInt64(1);
            var (lastSeq, lastHash) = chains.GetValueOrDefault(writer, (0, IndependentAudit.GenesisHash));
            Assert.Equal(lastSeq + 1, seq);
            var prev = Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(8));
            Assert.Equal(lastHash, prev);
            var hash = IndependentAudit.Hash(seq, reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(4)), reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.GetInt64(6), reader.IsDBNull(7) ? null : reader.GetString(7), prev);
            Assert.Equal(hash, Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(9)));
            chains[writer] = (seq, hash);
            entries++;
        }

        Assert.True(chains.Count >= 3, $"expected a chain per node, saw {chains.Count}");
        Assert.Equal(90 + 2, entries);
    }

    [Fact]
    public async Task Checkpoints_BindTheHeadsOfEveryChain_InTheirOwnHashChain()
    {
        var poll = await Api.CreateOpenPollAsync(Nodes[0].AdminClient());
        await WaitUntilAllNodesSeeOpenAsync(poll.Id);
        var admin = Nodes[0].AdminClient();
        var viewers = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => Api.RegisterAsync(admin)));
        await Task.WhenAll(viewers.Select((v, i) => Api.VoteAsync(Nodes[i % 3].Client(), poll.Id, v.Token, "c")));

        // The heads as they stand now; a checkpoint written after the votes must name exactly these.
        var heads = string.Join(';', await ReadRowsAsync("""
            SELECT w.id || ':' || a.seq || ':' || encode(a.hash, 'hex') FROM writers w
            CROSS JOIN LATERAL (SELECT seq, hash FROM audit WHERE writer_id = w.id ORDER BY seq DESC LIMIT 1) a ORDER BY w.id
            """));
        var deadline = Environment.TickCount64 + 20_000;
        while (!(await ReadRowsAsync("SELECT heads FROM checkpoints")).Contains(heads) && Environment.TickCount64 < deadline)
        {
            await Task.Delay(200);
        }

        var rows = await ReadRowsAsync("SELECT heads || '|' || encode(prev_hash, 'hex') || '|' || encode(hash, 'hex') FROM checkpoints ORDER BY id");
        Assert.Contains(rows, r => r.StartsWith(heads + "|", StringComparison.Ordinal));
        var prev = new string('0', 64);
        foreach (var row in rows)
        {
            var parts = row.Split('|');
            Assert.Equal(prev, parts[1]);
            var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
                [.. Convert.FromHexString(parts[1]), .. System.Text.Encoding.UTF8.GetBytes(parts[0])]));
            Assert.Equal(expected, parts[2]);
            prev = parts[2];
        }
    }

    private async Task<List<string>> ReadRowsAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Fleet.Postgres.ConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    private async Task WaitUntilAllNodesSeeOpenAsync(string pollId)
    {
        foreach (var node in Nodes)
        {
            var results = await Api.ResultsWhenAsync(node.Client(), pollId, r => r.Status == "open");
            Assert.Equal("open", results.Status);
        }
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Fleet.Postgres.ConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
