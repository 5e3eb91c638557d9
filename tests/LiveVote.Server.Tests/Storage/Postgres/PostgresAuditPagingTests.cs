using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace LiveVote.Server.Tests.Storage.Postgres;

/// <summary>
/// Issue 13, item 9: the public audit trail of a PostgreSQL fleet pages in commit order. A reader following it page by
/// page never moves its cursor past an entry a transaction still running will commit, so once everything committed
/// the pages it read hold every entry exactly once. Two nodes on one real PostgreSQL; node a's commits can be held open
/// after their audit rows are inserted (<see cref="PostgresCommitPause"/>).
/// </summary>
public sealed class PostgresAuditPagingTests(ITestOutputHelper output) : PausableNodesTestBase("node-a", "node-b")
{
    [Fact]
    public async Task AuditPages_ReadWhileAnEarlierCommitIsStillOpen_SkipNoEntryOnceItCommits()
    {
        var (a, b) = (Nodes[0], Nodes[1]);
        var poll = await Api.CreateOpenPollAsync(b.AdminClient());
        foreach (var node in Nodes)
        {
            Assert.Equal("open", (await Api.ResultsWhenAsync(node.Client(), poll.Id, r => r.Status == "open")).Status);
        }

        var reader = new TrailReader(b.Client(), poll.Id);
        await reader.ReadToTheEndAsync();

        // Node a's vote takes its audit position and is held before COMMIT; node b then commits votes after it.
        await using var pause = await PostgresCommitPause.HoldAsync(ConnectionString);
        var held = Api.VoteAsync(a.Client(), poll.Id, PostgresNode.ViewerToken("paging-held"), "a");
        Assert.NotNull(await PostgresBackends.WaitForAsync(ConnectionString, "node-a", "Lock", "advisory", () => held.IsCompleted));
        for (var i = 0; i < 5; i++)
        {
            using var vote = await Api.VoteAsync(b.Client(), poll.Id, PostgresNode.ViewerToken($"paging-after-{i}"), "b");
            Assert.Equal(HttpStatusCode.Created, vote.StatusCode);
        }

        // A reader follows the trail now, while node a's transaction is still open, and again once it committed.
        var readWhileHeld = await reader.ReadToTheEndAsync();
        await pause.ReleaseAsync();
        using (var heldAnswer = await held)
        {
            Assert.Equal(HttpStatusCode.Created, heldAnswer.StatusCode);
        }

        var stored = await StoredEntriesAsync(poll.Id);
        for (var attempt = 0; attempt < 100 && reader.Entries.Count < stored.Count; attempt++)
        {
            await reader.ReadToTheEndAsync();
            await Task.Delay(50);
        }

        output.WriteLine($"{stored.Count} entries stored; the reader saw {readWhileHeld} while node a's commit was held and {reader.Entries.Count} in all");
        Assert.Equal(reader.Entries.Count, reader.Entries.Distinct().Count());
        Assert.Equal(stored.Order().ToArray(), reader.Entries.Order().ToArray());
        Assert.Equal(1 + 1 + 1 + 5, stored.Count);
    }

    private async Task<List<(int Chain, long Seq)>> StoredEntriesAsync(string pollId)
    {
        await using var connection = new NpgsqlConnection(PostgresBackends.Unpooled(ConnectionString));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT writer_id, seq FROM audit WHERE poll_id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = pollId });
        await using var rows = await command.ExecuteReaderAsync();
        var entries = new List<(int, long)>();
        while (await rows.ReadAsync())
        {
            entries.Add((rows.GetInt32(0), rows.GetInt64(1)));
        }

        return entries;
    }

    /// <summary>
    /// A client following one poll's public trail: one entry a page, so every page it gets is full and carries the
    /// cursor of the next; an empty page means "nothing more yet", and the client comes back later from where it was.
    /// </summary>
    private sealed class TrailReader(HttpClient client, string pollId)
    {
        private long _after;

        public List<(int Chain, long Seq)> Entries { get; } = [];

        /// <summary>Reads pages until an empty one; returns how many entries it has read in all.</summary>
        public async Task<int> ReadToTheEndAsync()
        {
            for (var pages = 0; pages < 10_000; pages++)
            {
                var page = (await client.GetFromJsonAsync(
                    string.Create(CultureInfo.InvariantCulture, $"/v1/polls/{pollId}/audit?after={_after}&limit=1"), ContractsJsonContext.Default.AuditPageDto))!;
                foreach (var entry in page.Entries)
                {
                    Entries.Add((entry.Chain, entry.Seq));
                }

                if (page.Next is not { } next)
                {
                    return Entries.Count;
                }

                _after = next;
            }

            throw new InvalidOperationException("The trail did not end within 10,000 pages.");
        }
    }
}
