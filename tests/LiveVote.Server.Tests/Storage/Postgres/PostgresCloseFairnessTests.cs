using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using LiveVote.Server.Tests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace LiveVote.Server.Tests.Storage.Postgres;

/// <summary>
/// Issue 13, item 5: a producer's close must not be starved by vote batches of other nodes. A close waits only for the
/// vote batches that already hold its poll; a vote batch that comes after a waiting close queues behind it and then
/// finds the poll closed. Three nodes (a, b, c) on one real PostgreSQL; node a's commits can be held open mid-transaction
/// (<see cref="PostgresCommitPause"/>).
/// </summary>
public sealed class PostgresCloseFairnessTests(ITestOutputHelper output) : PausableNodesTestBase("node-a", "node-b", "node-c")
{
    [Fact]
    public async Task Vote_SentWhileACloseWaitsBehindAnotherNodesBatch_QueuesBehindTheCloseAndIsRefused()
    {
        var (a, b, c) = (Nodes[0], Nodes[1], Nodes[2]);
        var poll = await Api.CreateOpenPollAsync(b.AdminClient());
        await WaitUntilAllNodesSeeAsync(poll.Id, "open");
        var early = PostgresNode.ViewerToken("fair-close-early");
        var late = PostgresNode.ViewerToken("fair-close-late");

        // Node a's vote batch takes its poll lock, writes its rows and is held there, uncommitted.
        await using var pause = await PostgresCommitPause.HoldAsync(ConnectionString);
        var earlyVote = Api.VoteAsync(a.Client(), poll.Id, early, "a");
        Assert.NotNull(await PostgresBackends.WaitForAsync(ConnectionString, Names[0], "Lock", "advisory", () => earlyVote.IsCompleted));

        // The producer presses close on node b: its batch waits for node a's.
        var close = Api.ClosePollAsync(b.AdminClient(), poll.Id);
        Assert.NotNull(await PostgresBackends.WaitForAsync(ConnectionString, Names[1], "Lock", null, () => close.IsCompleted));

        // Only then a viewer votes on node c (which still sees the poll open): its batch must queue behind the close,
        // not slip past it under node a's shared hold.
        var lateVote = Api.VoteAsync(c.Client(), poll.Id, late, "b");
        var lateWaited = await PostgresBackends.WaitForAsync(ConnectionString, Names[2], "Lock", null, () => lateVote.IsCompleted) is not null;
        output.WriteLine(lateWaited
            ? "the late vote's batch waited behind the close"
            : $"the late vote was answered {(int)(await lateVote).StatusCode} while the close still waited");

        await pause.ReleaseAsync();
        using var earlyAnswer = await earlyVote;
        using var closeAnswer = await close;
        using var lateAnswer = await lateVote;

        Assert.Equal(HttpStatusCode.Created, earlyAnswer.StatusCode);
        Assert.Equal(HttpStatusCode.OK, closeAnswer.StatusCode);
        Assert.True(lateAnswer.StatusCode == HttpStatusCode.Conflict,
            $"a vote sent after the close was pressed (and waiting) was answered {(int)lateAnswer.StatusCode}, not 409 poll-not-open");
        Assert.Contains("poll-not-open", await lateAnswer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(lateWaited, "the late vote's batch did not wait for the close");
        Assert.Equal(1, await ScalarAsync($"SELECT count(*) FROM votes WHERE poll_id = '{poll.Id}'"));
        Assert.Equal(1, await ScalarAsync($"SELECT count(*) FROM audit WHERE poll_id = '{poll.Id}' AND kind = 'vote'"));
        Assert.Equal(1, await ScalarAsync($"SELECT coalesce(sum(count), 0) FROM tallies WHERE poll_id = '{poll.Id}'"));
    }

    /// <summary>
    /// The figure of item 5: how long a close takes while three nodes vote on its poll as fast as they can. Printed, not
    /// asserted; what is asserted is that the close is answered while the load still runs (the load stops by itself
    /// only after a generous minute) and that nothing was accepted after it.
    /// </summary>
    [Fact]
    public async Task Close_UnderFullLoadFromThreeNodes_IsAnsweredWhileTheLoadRuns()
    {
        const int Workers = 48;
        var poll = await Api.CreateOpenPollAsync(Nodes[1].AdminClient());
        await WaitUntilAllNodesSeeAsync(poll.Id, "open");
        var clients = Nodes.Select(n => new HttpClient { BaseAddress = n.Client().BaseAddress, Timeout = TimeSpan.FromMinutes(2) }).ToArray();
        var answers = new ConcurrentQueue<(long SentAt, long AnsweredAt, HttpStatusCode Status)>();
        var clock = Stopwatch.StartNew();
        var stopAt = long.MaxValue;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var next = 0;
        var load = Enumerable.Range(0, Workers).Select(w => Task.Run(async () =>
        {
            // Each worker votes with fresh viewers until told to stop, and goes on for a moment after the close.
            while (!stop.IsCancellationRequested && clock.ElapsedMilliseconds < Volatile.Read(ref stopAt))
            {
                var viewer = Interlocked.Increment(ref next);
                var sentAt = clock.ElapsedMilliseconds;
                try
                {
                    using var response = await Api.VoteAsync(clients[viewer % 3], poll.Id, PostgresNode.ViewerToken($"load-{viewer}"), "abc"[viewer % 3].ToString());
                    answers.Enqueue((sentAt, clock.ElapsedMilliseconds, response.StatusCode));
                }
                catch (HttpRequestException)
                {
                    answers.Enqueue((sentAt, clock.ElapsedMilliseconds, 0));
                }
            }
        })).ToArray();

        // Full load first: wait until every node has had votes accepted for a while.
        var warm = Environment.TickCount64 + 30_000;
        while (answers.Count(x => x.Status == HttpStatusCode.Created) < 2_000 && Environment.TickCount64 < warm)
        {
            await Task.Delay(50);
        }

        var pressedAt = clock.ElapsedMilliseconds;
        using var close = await Api.ClosePollAsync(Nodes[0].AdminClient(), poll.Id);
        var answeredAt = clock.ElapsedMilliseconds;
        var loadStillRan = !stop.IsCancellationRequested;
        Volatile.Write(ref stopAt, answeredAt + 500);
        await Task.WhenAll(load);

        var all = answers.ToArray();
        var before = all.Where(x => x.AnsweredAt < pressedAt).ToArray();
        var rate = before.Count(x => x.Status == HttpStatusCode.Created) / Math.Max((pressedAt - before.Min(x => x.SentAt)) / 1000.0, 0.001);
        var acceptedAfterPress = all.Count(x => x.Status == HttpStatusCode.Created && x.SentAt >= pressedAt);
        var acceptedWhileClosing = all.Count(x => x.Status == HttpStatusCode.Created && x.AnsweredAt >= pressedAt && x.AnsweredAt <= answeredAt);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"close under full load from three nodes ({Workers} clients, {rate:F0} votes/s accepted before the close): answered {answeredAt - pressedAt} ms after it was pressed; " +
            $"{acceptedWhileClosing} votes answered 201 meanwhile, {acceptedAfterPress} of them sent after the close was pressed; {all.Length} answers in all"));

        Assert.Equal(HttpStatusCode.OK, close.StatusCode);
        Assert.True(loadStillRan, $"the close was answered only after the load stopped ({answeredAt - pressedAt} ms after it was pressed)");
        Assert.DoesNotContain(all, x => x.Status == HttpStatusCode.Created && x.SentAt > answeredAt);
        Assert.All(all, x => Assert.True(x.Status is HttpStatusCode.Created or HttpStatusCode.Conflict, $"vote answered {(int)x.Status}"));
        var accepted = all.Count(x => x.Status == HttpStatusCode.Created);
        Assert.Equal(accepted, await ScalarAsync($"SELECT count(*) FROM votes WHERE poll_id = '{poll.Id}'"));
        Assert.Equal(accepted, await ScalarAsync($"SELECT coalesce(sum(count), 0) FROM tallies WHERE poll_id = '{poll.Id}'"));

        // Every vote entry of the poll carries a time no later than its close (the database clock, under the locks).
        Assert.Equal(0, await ScalarAsync($"""
            SELECT count(*) FROM audit v, audit c
            WHERE v.poll_id = '{poll.Id}' AND v.kind = 'vote' AND c.poll_id = '{poll.Id}' AND c.kind = 'poll-closed' AND v.at > c.at
            """));
    }

    private async Task WaitUntilAllNodesSeeAsync(string pollId, string status)
    {
        foreach (var node in Nodes)
        {
            Assert.Equal(status, (await Api.ResultsWhenAsync(node.Client(), pollId, r => r.Status == status)).Status);
        }
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(PostgresBackends.Unpooled(ConnectionString));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }
}
