using System.Net;
using LiveVote.Server.Tests.Infrastructure;
using Npgsql;

namespace LiveVote.Server.Tests.Results.Final;

/// <summary>
/// The signed final result of a poll spread over two PostgreSQL clusters (partitions): the statement covers every
/// partition's logs and the summed totals, is the same text in both clusters, and verifies independently; a tally
/// changed in one cluster behind the writer's back is refused naming that partition, and signed after the fix.
/// </summary>
public sealed class PostgresFinalResultTests
{
    private const string Origin = "livevote.local";

    [Fact]
    public async Task HonestCloseOverTwoClusters_IsSigned_WithEveryPartitionsLogsAndTheSummedTotals()
    {
        await using var postgres = await PostgresServer.StartAsync();
        await CreateDatabaseAsync(postgres, "second");
        string[] clusters = [postgres.ConnectionString(), postgres.ConnectionString("second")];
        await using var server = new LiveVoteServer(Settings(clusters));
        var admin = server.AdminClient();
        var client = server.Client();
        var poll = await Api.CreateOpenPollAsync(admin, "a", "b");
        await VoteManyAsync(admin, client, poll.Id, 30);

        var closed = await FinalResultTests.CloseAsync(admin, poll.Id);

        Assert.Equal("signed", closed.ResultStatus);
        var result = await FinalResultTests.ResultAsync(client, poll.Id);
        Assert.Equal(30, result.Total);
        Assert.Equal(15, result.Totals["a"]);
        var body = IndependentResultCheck.VerifiedBody(result.Statement, LiveVoteServer.AuditSigningKey, Origin);
        Assert.Equal(30, IndependentResultCheck.Field(body, "total"));
        Assert.Equal([new("a", 15), new("b", 15)], IndependentResultCheck.Options(body));

        // Every log of every partition, each root recomputed from that cluster's audit rows.
        var logs = IndependentResultCheck.Logs(body);
        var expected = new List<(string Log, long Size, byte[] Root)>();
        for (var partition = 0; partition < clusters.Length; partition++)
        {
            foreach (var (chain, hashes) in await ChainsAsync(clusters[partition], poll.Id))
            {
                expected.Add(($"{partition}.{chain}", hashes.Count, IndependentResultCheck.Root(hashes)));
            }
        }

        Assert.Equal(expected.Select(l => (l.Log, l.Size, Convert.ToHexString(l.Root))), logs.Select(l => (l.Log, l.Size, Convert.ToHexString(l.Root))));
        Assert.Contains(logs, l => l.Log.StartsWith("0.", StringComparison.Ordinal));
        Assert.Contains(logs, l => l.Log.StartsWith("1.", StringComparison.Ordinal));
        var votes = await ScalarAsync<long>(clusters[0], $"SELECT count(*) FROM votes WHERE poll_id = '{poll.Id}'")
            + await ScalarAsync<long>(clusters[1], $"SELECT count(*) FROM votes WHERE poll_id = '{poll.Id}'");
        Assert.Equal(30, votes);

        // The same statement in both clusters.
        Assert.Equal(result.Statement, await ScalarAsync<string>(clusters[0], $"SELECT statement FROM poll_results WHERE poll_id = '{poll.Id}'"));
        Assert.Equal(result.Statement, await ScalarAsync<string>(clusters[1], $"SELECT statement FROM poll_results WHERE poll_id = '{poll.Id}'"));
        Assert.True((await Api.ResultsWhenAsync(client, poll.Id, r => r.Final)).Final);
    }

    [Fact]
    public async Task TallyChangedInOneCluster_IsRefusedNamingThatPartition_AndSignedAfterTheFix()
    {
        await using var postgres = await PostgresServer.StartAsync();
        await CreateDatabaseAsync(postgres, "second");
        string[] clusters = [postgres.ConnectionString(), postgres.ConnectionString("second")];
        await using var server = new LiveVoteServer(Settings(clusters));
        var admin = server.AdminClient();
        var client = server.Client();
        var poll = await Api.CreateOpenPollAsync(admin, "a", "b");
        await VoteManyAsync(admin, client, poll.Id, 20);
        var rows = await ScalarAsync<long>(clusters[1], $"SELECT count(*) FROM votes WHERE poll_id = '{poll.Id}' AND option_id = 'a'");
        Assert.True(rows > 0, "no vote for a in partition 1");
        await ExecuteAsync(clusters[1], $"UPDATE tallies SET count = count + 1 WHERE (poll_id, option_id, writer_id) IN (SELECT poll_id, option_id, writer_id FROM tallies WHERE poll_id = '{poll.Id}' AND option_id = 'a' LIMIT 1)");

        var closed = await FinalResultTests.CloseAsync(admin, poll.Id);

        Assert.Equal("refused", closed.ResultStatus);
        Assert.Contains($"partition 1, option 'a': {rows} vote rows, tally {rows + 1}, {rows} vote audit entries", closed.ResultProblem, StringComparison.Ordinal);
        Assert.DoesNotContain("partition 0", closed.ResultProblem, StringComparison.Ordinal);
        await ProblemAssert.IsAsync(await client.GetAsync($"/v1/polls/{poll.Id}/result"), HttpStatusCode.NotFound, "result-not-final");
        Assert.Equal(0, await ScalarAsync<long>(clusters[0], $"SELECT count(*) FROM poll_results WHERE poll_id = '{poll.Id}'"));
        Assert.False((await Api.ResultsWhenAsync(client, poll.Id, r => r.Status == "closed")).Final);

        await ExecuteAsync(clusters[1], $"UPDATE tallies SET count = count - 1 WHERE (poll_id, option_id, writer_id) IN (SELECT poll_id, option_id, writer_id FROM tallies WHERE poll_id = '{poll.Id}' AND option_id = 'a' LIMIT 1)");
        var signed = await FinalResultTests.SignAsync(admin, poll.Id);

        Assert.Equal("signed", signed.ResultStatus);
        var result = await FinalResultTests.ResultAsync(client, poll.Id);
        Assert.Equal(20, result.Total);
        IndependentResultCheck.VerifiedBody(result.Statement, LiveVoteServer.AuditSigningKey, Origin);
        Assert.Equal(result.Statement, await ScalarAsync<string>(clusters[1], $"SELECT statement FROM poll_results WHERE poll_id = '{poll.Id}'"));
    }

    private static Dictionary<string, string?> Settings(string[] clusters) => new()
    {
        ["LiveVote:Storage"] = "Postgres",
        ["LiveVote:Postgres:Partitions:0"] = clusters[0],
        ["LiveVote:Postgres:Partitions:1"] = clusters[1],
        ["LiveVote:RateLimits:Enabled"] = "false",
        ["LiveVote:Risk:Enabled"] = "false",
    };

    /// <summary>Half the voters for a, half for b, spread over both partitions by their voter keys.</summary>
    private static async Task VoteManyAsync(HttpClient admin, HttpClient client, string pollId, int count)
    {
        var viewers = await Api.RegisterManyAsync(admin, count);
        var answers = await Task.WhenAll(viewers.Select((v, i) => Api.VoteWithRetryAsync(client, pollId, v.Token, i % 2 == 0 ? "a" : "b")));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Created, a.StatusCode));
    }

    /// <summary>Each writer chain's entry hashes of the poll in one cluster, in seq order: the logs as the data model defines them.</summary>
    private static async Task<List<(int Chain, List<byte[]> Hashes)>> ChainsAsync(string connectionString, string pollId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT writer_id, hash FROM audit WHERE poll_id = $1 ORDER BY writer_id, seq", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = pollId });
        await using var reader = await command.ExecuteReaderAsync();
        var chains = new List<(int Chain, List<byte[]> Hashes)>();
        while (await reader.ReadAsync())
        {
            var chain = reader.GetInt32(0);
            if (chains.Count == 0 || chains[^1].Chain != chain)
            {
                chains.Add((chain, []));
            }

            chains[^1].Hashes.Add((byte[])reader.GetValue(1));
        }

        return chains;
    }

    private static async Task CreateDatabaseAsync(PostgresServer postgres, string name)
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
