using System.Net;
using LiveVote.Server.Tests.Infrastructure;
using Npgsql;

namespace LiveVote.Cli.Tests.Audit;

/// <summary>
/// A throwaway PostgreSQL cluster holding the work of two real LiveVote nodes: one poll created and opened on node A,
/// six viewers voting on both nodes (a=2, b=3, c=1, plus a duplicate and a changed-mind attempt), closed on node B,
/// then both nodes stopped. Each test verifies (or tampers with) its own copy of that database
/// (<see cref="CopyAsync"/>), so tests do not see each other's tampering.
/// </summary>
public sealed class PostgresVotedStore : IAsyncLifetime
{
    private const string Source = "livevote";
    private PostgresServer? _postgres;
    private int _copies;

    public string PollId { get; private set; } = "";

    public PostgresServer Postgres => _postgres ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["LiveVote:Storage"] = "Postgres",
            ["LiveVote:Postgres:ConnectionString"] = _postgres.ConnectionString(Source),
            ["LiveVote:RateLimits:Enabled"] = "false",
            ["LiveVote:Risk:Enabled"] = "false",
            ["LiveVote:Postgres:CheckpointIntervalSeconds"] = "1",
        };
        await using (var nodeA = new LiveVoteServer(settings))
        await using (var nodeB = new LiveVoteServer(settings))
        {
            var admin = nodeA.AdminClient();
            var poll = await Api.CreateOpenPollAsync(admin, "a", "b", "c");
            PollId = poll.Id;
            // Generous deadlines (the machine is shared): these wait for eventual states, they time nothing.
            Assert.Equal("open", (await Api.ResultsWhenAsync(nodeB.Client(), poll.Id, r => r.Status == "open", timeoutMs: 60_000)).Status);

            var viewers = await Api.RegisterManyAsync(admin, 6);
            (LiveVoteServer Node, string Option)[] casts =
                [(nodeA, "a"), (nodeB, "b"), (nodeA, "b"), (nodeB, "c"), (nodeB, "a"), (nodeA, "b")];
            for (var i = 0; i < casts.Length; i++)
            {
                var response = await Api.VoteWithRetryAsync(casts[i].Node.Client(), poll.Id, viewers[i].Token, casts[i].Option);
                Assert.True(response.StatusCode == HttpStatusCode.Created, $"vote {i}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }

            // The same vote again on the other node is a duplicate; another option is refused: neither is a new entry.
            Assert.Equal(HttpStatusCode.OK, (await Api.VoteWithRetryAsync(nodeB.Client(), poll.Id, viewers[0].Token, "a")).StatusCode);
            Assert.Equal(HttpStatusCode.Conflict, (await Api.VoteWithRetryAsync(nodeA.Client(), poll.Id, viewers[1].Token, "a")).StatusCode);

            // The producer freezes the on-air results on one node and lets viewers see them on the other; closing releases
            // the freeze. Two more entries for the chains (the close is one either way).
            await PresentationApi.LiveWhenAsync(admin, poll.Id, r => r.Total == 6, timeoutMs: 60_000);
            (await PresentationApi.FreezeAsync(admin, poll.Id)).EnsureSuccessStatusCode();
            await WaitUntilFrozenOnAsync(nodeB, poll.Id);
            (await PresentationApi.SetViewerResultsAsync(nodeB.AdminClient(), poll.Id, true)).EnsureSuccessStatusCode();
            (await Api.ClosePollAsync(nodeB.AdminClient(), poll.Id)).EnsureSuccessStatusCode();
            await WaitForCheckpointOfEveryHeadAsync();
        }

        // The nodes are gone; end any connection they left so the database can serve as a template.
        await ExecuteAsync("postgres", $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{Source}' AND pid <> pg_backend_pid()");
    }

    private static async Task WaitUntilFrozenOnAsync(LiveVoteServer node, string pollId)
    {
        var results = await Api.ResultsWhenAsync(node.Client(), pollId, r => r.Frozen, timeoutMs: 60_000);
        Assert.True(results.Frozen, "the second node never saw the freeze");
    }

    public async Task DisposeAsync()
    {
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }

    /// <summary>A fresh copy of the voted database; returns its connection string.</summary>
    public async Task<string> CopyAsync()
    {
        var name = $"copy{Interlocked.Increment(ref _copies)}";
        await ExecuteAsync("postgres", $"CREATE DATABASE {name} TEMPLATE {Source}");
        return Postgres.ConnectionString(name).Replace("Pooling=true", "Pooling=false", StringComparison.Ordinal);
    }

    public static async Task ExecuteOnAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<List<object[]>> QueryAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object[]>();
        while (await reader.ReadAsync())
        {
            var row = new object[reader.FieldCount];
            reader.GetValues(row);
            rows.Add(row);
        }

        return rows;
    }

    private Task ExecuteAsync(string database, string sql) =>
        ExecuteOnAsync(Postgres.ConnectionString(database).Replace("Pooling=true", "Pooling=false", StringComparison.Ordinal), sql);

    /// <summary>Waits (generous deadline, not a timing assertion) until a checkpoint binds the current head of every chain.</summary>
    private async Task WaitForCheckpointOfEveryHeadAsync()
    {
        var connectionString = Postgres.ConnectionString(Source).Replace("Pooling=true", "Pooling=false", StringComparison.Ordinal);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var rows = await QueryAsync(connectionString, """
                SELECT (SELECT string_agg(w || ':' || s, ';' ORDER BY w) FROM (SELECT writer_id AS w, max(seq) AS s FROM audit GROUP BY writer_id) h),
                       (SELECT heads FROM checkpoints ORDER BY id DESC LIMIT 1)
                """);
            var heads = rows[0][0] as string;
            var checkpoint = rows[0][1] as string ?? "";
            var bound = heads is not null && heads.Split(';').All(h => checkpoint.Split(';').Any(c => c.StartsWith(h + ":", StringComparison.Ordinal)));
            if (bound)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no checkpoint binds the heads {heads} (last checkpoint: {checkpoint})");
            await Task.Delay(200);
        }
    }
}
