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
public sealed class PostgresUnreplicatedCommitTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Node = "node-a";
    private PostgresReplicaSet? _zones;
    private LiveVoteServer? _node;

    public async Task InitializeAsync()
    {
        _zones = await PostgresReplicaSet.StartAsync();
        _node = PostgresNode.Start(_zones.MultiHostConnectionString, Node);
    }

    public async Task DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }

        if (_zones is not null)
        {
            await _zones.DisposeAsync();
        }
    }

    [Fact]
    public async Task Vote_WhoseWaitForTheStandbyIsCancelled_IsAnswered503AndItsRetryIsSettledOnceTheStandbysAreBack()
    {
        var zones = _zones!;
        var primary = PostgresReplicaSet.ConnectionString(zones.Primary);
        var client = new HttpClient { BaseAddress = _node!.Client().BaseAddress, Timeout = TimeSpan.FromMinutes(3) };
        var poll = await Api.CreateOpenPollAsync(_node.AdminClient());
        Assert.Equal("open", (await Api.ResultsWhenAsync(client, poll.Id, r => r.Status == "open")).Status);
        var token = PostgresNode.ViewerToken("unreplicated-viewer");

        // No standby: the vote's COMMIT is written on the primary and waits for a standby that does not come.
        await zones.StopStandbysAsync();
        var vote = Api.VoteAsync(client, poll.Id, token, "b");
        if (await PostgresBackends.WaitForAsync(primary, Node, "IPC", "SyncRep", () => vote.IsCompleted) is not { } waiting)
        {
            Assert.Fail($"the vote was answered {(int)(await vote).StatusCode} without waiting for a standby");
            return;
        }

        // An operator unsticks the primary: PostgreSQL ends the wait with a warning; the commit stands on the primary only.
        await PostgresBackends.CancelAsync(primary, waiting);
        using var first = await vote;
        output.WriteLine($"vote whose wait for the standby was cancelled: {(int)first.StatusCode}, Retry-After {first.Headers.RetryAfter}");
        Assert.True(first.StatusCode != HttpStatusCode.Created, "a vote that may be on no standby was answered 201");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        Assert.NotNull(first.Headers.RetryAfter);
        Assert.Equal(1, await CountVotesAsync(primary, poll.Id));
        using (var ready = await client.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        }

        // The client retries while the standbys are still down: the row the abandoned attempt left must not be
        // answered before a standby has it, so the retry waits for a standby too.
        var retry = Api.VoteAsync(client, poll.Id, token, "b");
        if (await PostgresBackends.WaitForAsync(primary, Node, "IPC", "SyncRep", () => retry.IsCompleted) is null || retry.IsCompleted)
        {
            Assert.Fail($"the retry was answered {(int)(await retry).StatusCode} while no standby had the vote");
        }

        await zones.StartStandbysAsync();
        await zones.WaitForStreamingStandbysAsync(2, TimeSpan.FromSeconds(60));
        using var settled = await retry;
        Assert.Equal(HttpStatusCode.OK, settled.StatusCode);
        var answer = await Api.ReadVoteAsync(settled);
        Assert.False(string.IsNullOrEmpty(answer.VoteId));
        output.WriteLine($"retry once the standbys were back: {(int)settled.StatusCode}, vote id {answer.VoteId}");

        // Exactly once, under the id the retry was answered with, on the primary and on every standby.
        Assert.Equal([answer.VoteId], await VoteIdsAsync(primary, poll.Id));
        foreach (var standby in zones.Members.Where(m => m != zones.Primary))
        {
            var onStandby = await VoteIdsWhenReplayedAsync(PostgresReplicaSet.ConnectionString(standby), poll.Id);
            Assert.Equal([answer.VoteId], onStandby);
        }

        Assert.Equal(1, await CountAsync(primary, $"SELECT count(*) FROM audit WHERE poll_id = '{poll.Id}' AND kind = 'vote'"));
        Assert.Equal(1, await CountAsync(primary, $"SELECT coalesce(sum(count), 0) FROM tallies WHERE poll_id = '{poll.Id}'"));
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
