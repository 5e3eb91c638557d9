using System.Net;
using LiveVote.Server.Tests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace LiveVote.Server.Tests.Storage.Postgres;

/// <summary>
/// Issue 13, item 1: a commit whose wait for the synchronous standby is cancelled on the server (an operator's
/// <c>pg_cancel_backend</c>) is committed on the primary only, maybe on no standby: its outcome is unknown to the node,
/// which must answer 503 + Retry-After, not 201, and leave readiness until its writer reconnects. A retry of the same
/// vote must not be answered before the row is on a synchronous standby. A primary with two synchronous standbys
/// (<see cref="PostgresReplicaSet"/>, <c>ANY 1</c>) and one node.
/// </summary>
public sealed class PostgresUnreplicatedCommitTests(ITestOutputHelper output) : ReplicaSetNodeTestBase(Node)
{
    private const string Node = "node-a";
    [Fact]
    public async Task Vote_WhoseWaitForTheStandbyIsCancelled_IsAnswered503AndItsRetryIsSettledOnceTheStandbysAreBack()
    {
        var zones = Zones;
        var primary = PostgresReplicaSet.ConnectionString(zones.Primary);
        var client = NewClient();
        var poll = await CreateOpenPollAsync(client);
        var token = PostgresNode.ViewerToken("unreplicated-viewer");

        using var first = (await VoteWhoseWaitIsCancelledAsync(client, poll, token)).Answer;
        output.WriteLine($"vote whose wait for the standby was cancelled: {(int)first.StatusCode}, Retry-After {first.Headers.RetryAfter}");
        Assert.True(first.StatusCode != HttpStatusCode.Created, "a vote that may be on no standby was answered 201");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        Assert.NotNull(first.Headers.RetryAfter);
        Assert.Equal(1, await CountVotesAsync(primary, poll));
        using (var ready = await client.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        }

        // The client retries while the standbys are still down: the row the abandoned attempt left must not be
        // answered before a standby has it, so the retry waits for a standby too.
        var retry = Api.VoteAsync(client, poll, token, "b");
        if (await PostgresBackends.WaitForAsync(primary, Node, "IPC", "SyncRep", () => retry.IsCompleted) is null || retry.IsCompleted)
        {
            Assert.Fail($"the retry was answered {(int)(await retry).StatusCode} while no standby had the vote");
        }

        await zones.StartStandbysAsync();
        await zones.WaitForStreamingStandbysAsync(2, TimeSpan.FromSeconds(60));
        using var settled = await SettleAsync(client, poll, token, await retry);
        Assert.Equal(HttpStatusCode.OK, settled.StatusCode);
        var answer = await Api.ReadVoteAsync(settled);
        Assert.False(string.IsNullOrEmpty(answer.VoteId));
        output.WriteLine($"retry once the standbys were back: {(int)settled.StatusCode}, vote id {answer.VoteId}");

        // Exactly once, under the id the retry was answered with, on the primary and on every standby.
        Assert.Equal([answer.VoteId], await VoteIdsAsync(primary, poll));
        foreach (var standby in zones.Members.Where(m => m != zones.Primary))
        {
            var onStandby = await VoteIdsWhenReplayedAsync(PostgresReplicaSet.ConnectionString(standby), poll);
            Assert.Equal([answer.VoteId], onStandby);
        }

        Assert.Equal(1, await CountAsync(primary, $"SELECT count(*) FROM audit WHERE poll_id = '{poll}' AND kind = 'vote'"));
        Assert.Equal(1, await CountAsync(primary, $"SELECT coalesce(sum(count), 0) FROM tallies WHERE poll_id = '{poll}'"));
    }

    /// <summary>
    /// "Drop the connection": the backend whose COMMIT ended with the warning goes away; its session is neither kept by
    /// the writer nor handed back to the pool for the next user.
    /// </summary>
    [Fact]
    public async Task Writer_AfterACommitOfUnknownOutcome_DropsThatConnection()
    {
        var primary = PostgresReplicaSet.ConnectionString(Zones.Primary);
        var client = NewClient();
        var poll = await CreateOpenPollAsync(client);

        var (first, backend) = await VoteWhoseWaitIsCancelledAsync(client, poll, PostgresNode.ViewerToken("dropped-viewer"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        first.Dispose();

        var gone = false;
        for (var attempt = 0; attempt < 100 && !gone; attempt++)
        {
            gone = await CountAsync(primary, $"SELECT count(*) FROM pg_stat_activity WHERE pid = {backend}") == 0;
            await Task.Delay(gone ? 0 : 100);
        }

        var state = gone ? "" : await TextAsync(primary, $"SELECT state || ', last statement: ' || query FROM pg_stat_activity WHERE pid = {backend}");
        output.WriteLine($"backend {backend} of the abandoned commit {(gone ? "is gone" : "is still connected 10 s later: " + state)}");
        Assert.True(gone, $"backend {backend}, whose COMMIT ended with the warning, is still connected 10 s later ({state})");
    }

    /// <summary>
    /// "Leave readiness until the writer reconnects": every probe (a load balancer asks several times in a row before
    /// it takes a node out) answers 503 until the writer has reconnected; then the node is ready again.
    /// </summary>
    [Fact]
    public async Task Node_AfterACommitOfUnknownOutcome_IsNotReadyUntilItsWriterReconnects()
    {
        var zones = Zones;
        var client = NewClient();
        var poll = await CreateOpenPollAsync(client);
        var token = PostgresNode.ViewerToken("unready-viewer");

        var (first, _) = await VoteWhoseWaitIsCancelledAsync(client, poll, token);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        first.Dispose();
        var probes = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var ready = await client.GetAsync("/readyz");
            probes.Add(ready.StatusCode);
        }

        output.WriteLine("readiness probes before the writer reconnected: " + string.Join(", ", probes.Select(p => (int)p)));
        Assert.All(probes, p => Assert.Equal(HttpStatusCode.ServiceUnavailable, p));

        // The standbys return and the client's retry has the writer reconnect: ready again.
        await zones.StartStandbysAsync();
        await zones.WaitForStreamingStandbysAsync(2, TimeSpan.FromSeconds(60));
        using var retry = await Api.VoteWithRetryAsync(client, poll, token, "b");
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        var readyAgain = HttpStatusCode.ServiceUnavailable;
        for (var attempt = 0; attempt < 100 && readyAgain != HttpStatusCode.OK; attempt++)
        {
            using var ready = await client.GetAsync("/readyz");
            readyAgain = ready.StatusCode;
            await Task.Delay(readyAgain == HttpStatusCode.OK ? 0 : 100);
        }

        Assert.Equal(HttpStatusCode.OK, readyAgain);
    }

    /// <summary>
    /// The retry's final answer: a 503 (a request deadline that ended the wait before the standbys were back) is sent
    /// again, as a client does; anything else is final.
    /// </summary>
    private static async Task<HttpResponseMessage> SettleAsync(HttpClient client, string pollId, string token, HttpResponseMessage answer)
    {
        if (answer.StatusCode != HttpStatusCode.ServiceUnavailable)
        {
            return answer;
        }

        answer.Dispose();
        return await Api.VoteWithRetryAsync(client, pollId, token, "b");
    }

    private HttpClient NewClient() => new() { BaseAddress = Server.Client().BaseAddress, Timeout = TimeSpan.FromMinutes(3) };

    private async Task<string> CreateOpenPollAsync(HttpClient client)
    {
        var poll = await Api.CreateOpenPollAsync(Server.AdminClient());
        Assert.Equal("open", (await Api.ResultsWhenAsync(client, poll.Id, r => r.Status == "open")).Status);
        return poll.Id;
    }

    /// <summary>
    /// Stops the standbys, sends the vote, waits until its COMMIT waits for a standby and cancels that wait as an
    /// operator unsticking the primary would: PostgreSQL ends it with a warning, the commit standing on the primary only.
    /// Returns the node's answer and the pid of the writer's backend whose wait was cancelled.
    /// </summary>
    private async Task<(HttpResponseMessage Answer, int Backend)> VoteWhoseWaitIsCancelledAsync(HttpClient client, string pollId, string token)
    {
        var primary = PostgresReplicaSet.ConnectionString(Zones.Primary);
        await Zones.StopStandbysAsync();
        var vote = Api.VoteAsync(client, pollId, token, "b");
        if (await PostgresBackends.WaitForAsync(primary, Node, "IPC", "SyncRep", () => vote.IsCompleted) is not { } waiting)
        {
            throw new InvalidOperationException($"the vote was answered {(int)(await vote).StatusCode} without waiting for a standby");
        }

        await PostgresBackends.CancelAsync(primary, waiting);
        return (await vote, waiting);
    }

    private static Task<long> CountVotesAsync(string connectionString, string pollId) =>
        CountAsync(connectionString, $"SELECT count(*) FROM votes WHERE poll_id = '{pollId}'");

    private static async Task<long> CountAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<string> TextAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync() as string ?? "";
    }

    private static async Task<List<string>> VoteIdsAsync(string connectionString, string pollId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT writer_id || '-' || seq FROM votes WHERE poll_id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = pollId });
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<string>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    /// <summary>A standby replays what it received a moment later: read until the row is there (bounded).</summary>
    private static async Task<List<string>> VoteIdsWhenReplayedAsync(string connectionString, string pollId)
    {
        var deadline = Environment.TickCount64 + 60_000;
        while (true)
        {
            var ids = await VoteIdsAsync(connectionString, pollId);
            if (ids.Count > 0 || Environment.TickCount64 > deadline)
            {
                return ids;
            }

            await Task.Delay(100);
        }
    }
}
