using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using Npgsql;

namespace LiveVote.Server.Tests.Privacy;

/// <summary>
/// Crypto-shredding: after LiveVote:Privacy:AuditPeriod past the close, the poll's voter-key secret is gone from the
/// store's files, the destruction is in the trail, and the auditor's tool still verifies everything.
/// </summary>
public sealed class VoterKeyShreddingTests
{
    private static readonly Dictionary<string, string?> ShortAuditPeriod = new() { ["LiveVote:Privacy:AuditPeriod"] = "00:00:01" };

    [Fact]
    public async Task ClosedPoll_AfterItsAuditPeriod_LosesItsSecretFromTheSqliteFiles_AndStillVerifies()
    {
        await using var server = new LiveVoteServer(new Dictionary<string, string?>(ShortAuditPeriod));
        var admin = server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin);
        var other = await Api.CreateOpenPollAsync(admin);
        var viewers = await Api.RegisterManyAsync(admin, 5);
        foreach (var viewer in viewers)
        {
            Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(server.Client(), poll.Id, viewer.Token, "a")).StatusCode);
        }

        var wrapped = TestVoterKeys.ReadWrappedFromSqlite(server.DatabasePath, poll.Id)!;
        Assert.True(FileHolds(server.DatabasePath, wrapped.AsSpan(13, 16)) || FileHolds(server.DatabasePath + "-wal", wrapped.AsSpan(13, 16)),
            "the wrapped secret should be in the files before it is destroyed (else this test proves nothing)");
        (await Api.ClosePollAsync(admin, poll.Id)).EnsureSuccessStatusCode();

        var entries = await WaitForDestroyedAsync(server.Client(), poll.Id);

        // Recorded once, after the close, with no voter, option or data; the other (open) poll keeps its secret.
        var destroyed = Assert.Single(entries, e => e.Kind == "voter-keys-destroyed");
        Assert.Equal("poll-closed", entries[^2].Kind);
        Assert.Same(destroyed, entries[^1]);
        Assert.Null(destroyed.VoterKey);
        Assert.Null(destroyed.OptionId);
        Assert.Null(destroyed.Data);
        IndependentAudit.AssertPollEntriesVerify(entries);
        Assert.Null(TestVoterKeys.ReadWrappedFromSqlite(server.DatabasePath, poll.Id));
        Assert.NotNull(TestVoterKeys.ReadWrappedFromSqlite(server.DatabasePath, other.Id));

        // Gone from the bytes of the database file and its WAL, not only from the row.
        Assert.False(FileHolds(server.DatabasePath, wrapped.AsSpan(13, 16)), "the destroyed secret is still in the database file");
        Assert.False(FileHolds(server.DatabasePath + "-wal", wrapped.AsSpan(13, 16)), "the destroyed secret is still in the WAL");

        // The votes and their count stay; nobody can be keyed in the poll any more; the erasure answer no longer lists it.
        Assert.Equal(viewers.Length, StoreFile.CountVotes(server.DatabasePath, poll.Id));
        Assert.Equal(viewers.Length, (await Api.ResultsAsync(server.Client(), poll.Id)).Total);
        await ProblemAssert.IsAsync(await Api.VoteAsync(server.Client(), poll.Id, viewers[0].Token, "a"), HttpStatusCode.Conflict, ErrorCodes.PollNotOpen);
        using var erasure = await admin.PostAsJsonAsync("/v1/admin/erasure", new ErasureRequest(viewers[0].ViewerId), ContractsJsonContext.Default.ErasureRequest);
        var answer = (await erasure.Content.ReadFromJsonAsync(ContractsJsonContext.Default.ErasureResponse))!;
        Assert.DoesNotContain(answer.Polls, p => p.PollId == poll.Id);
        Assert.Contains(answer.Polls, p => p.PollId == other.Id);

        var (exitCode, output) = await AuditVerifyCli.VerifySqliteAsync(server.DatabasePath);
        Assert.True(exitCode == 0, output);
    }

    [Fact]
    public async Task ClosedPoll_AfterItsAuditPeriod_LosesItsSecretInEveryCluster_AndTheFleetStillVerifies()
    {
        await using var fleet = await MultiClusterFleet.StartAsync(clusters: 2, nodes: 2, ShortAuditPeriod);
        var admin = fleet.Nodes[0].AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin, "a", "b");
        await fleet.WaitUntilOpenOnEveryNodeAsync(poll.Id);
        var keys = await fleet.VoterKeysAsync(poll.Id);
        var viewers = await Api.RegisterManyAsync(admin, 40);
        foreach (var (viewer, i) in viewers.Select((v, i) => (v, i)))
        {
            using var response = await Api.VoteWithRetryAsync(fleet.Nodes[i % 2].Client(), poll.Id, viewer.Token, "ab"[i % 2].ToString());
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        // Each viewer is in the cluster the poll's key places them in, under the key the tests derive from the stored secret.
        var stored = await Task.WhenAll(fleet.Clusters.Select(ClusterRows.VotesAsync));
        Assert.All(viewers, v => Assert.True(stored[keys.PartitionOf(v.ViewerId, 2)].ContainsKey((poll.Id, keys.Hex(v.ViewerId)))));
        var wrapped = (await TestVoterKeys.ReadWrappedFromPostgresAsync(fleet.Clusters[0], poll.Id))!;
        (await Api.ClosePollAsync(admin, poll.Id)).EnsureSuccessStatusCode();

        foreach (var cluster in fleet.Clusters)
        {
            await WaitAsync(async () => await TestVoterKeys.ReadWrappedFromPostgresAsync(cluster, poll.Id) is null, "the secret's destruction in every cluster");
            var audit = await ClusterRows.AuditAsync(cluster, poll.Id);
            Assert.Single(audit, e => e.Kind == "voter-keys-destroyed");
            Assert.Equal(1, await ClusterRows.ScalarAsync(cluster, $"SELECT count(*) FROM polls WHERE id = '{poll.Id}' AND voter_keys_destroyed_at IS NOT NULL"));

            // Not in any row version either: the polls table is rewritten (VACUUM FULL right after the destroying commit),
            // so its file soon no longer holds the old row.
            await WaitAsync(async () => !FileHolds(await RelationFileAsync(fleet.Postgres!, cluster), wrapped.AsSpan(13, 16)),
                "the destroyed secret gone from the polls table's file");
        }

        var (exitCode, output) = await AuditVerifyCli.VerifyPostgresAsync([.. fleet.Clusters]);
        Assert.True(exitCode == 0, output);
        foreach (var node in fleet.Nodes)
        {
            Assert.Equal(viewers.Length, (await Api.ResultsWhenAsync(node.Client(), poll.Id, r => r.Status == "closed")).Total);
        }
    }

    private static async Task<List<AuditEntryDto>> WaitForDestroyedAsync(HttpClient client, string pollId)
    {
        List<AuditEntryDto> entries = [];
        await WaitAsync(async () => (entries = await Api.AuditAsync(client, pollId)).Any(e => e.Kind == "voter-keys-destroyed"), "the voter-keys-destroyed entry");
        return entries;
    }

    /// <summary>Polls <paramref name="done"/> until it holds; a generous bound so a broken service fails instead of hanging.</summary>
    private static async Task WaitAsync(Func<Task<bool>> done, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await done())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"No {what} within 60 s.");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The file of the polls table in a cluster database, after a checkpoint wrote its pages out.</summary>
    private static async Task<string> RelationFileAsync(PostgresServer postgres, string cluster)
    {
        await using var connection = new NpgsqlConnection(cluster);
        await connection.OpenAsync();
        await using (var checkpoint = new NpgsqlCommand("CHECKPOINT", connection))
        {
            await checkpoint.ExecuteNonQueryAsync();
        }

        await using var command = new NpgsqlCommand("SELECT pg_relation_filepath('polls')", connection);
        return Path.Combine(postgres.DataDirectory, (string)(await command.ExecuteScalarAsync())!);
    }

    private static bool FileHolds(string path, ReadOnlySpan<byte> needle)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes.AsSpan().IndexOf(needle) >= 0;
    }
}
