using LiveVote.Server.Tests.Infrastructure;
using LiveVote.Server.Tests.Storage.Postgres;
using Npgsql;
using Xunit.Abstractions;

namespace LiveVote.Server.Tests.Deploy;

/// <summary>
/// Restore drills for the PostgreSQL store with the shipped tooling: the WAL archive settings of
/// <c>deploy/patroni/patroni.yml</c> (its own archive_command, only the folder filled in), a base backup by
/// <c>deploy/patroni/basebackup.sh</c> taken while votes are written, and the restore procedure of
/// deploy/patroni/README.md into a fresh data directory started as a standalone PostgreSQL on a free port. The
/// drill runs on one plain PostgreSQL (what a member archives does not depend on Patroni, and a Patroni cluster
/// would cost a minute per test); <c>livevote audit verify --postgres</c> must pass on every restored copy.
/// In the Patroni collection: the vote load must not starve a Patroni cluster's members on two cores.
/// </summary>
[Collection(PatroniClusters.Name)]
public sealed class PostgresRestoreDrillTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int ViewerCount = 100;
    private const int PollCount = 150;
    private static readonly TimeSpan ThinkTime = TimeSpan.FromMilliseconds(60);
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(3);
    private readonly string _directory = TempDirectory.Create("livevote-drill");
    private PostgresServer? _postgres;
    private LiveVoteServer? _node;

    private string Archive => Path.Combine(_directory, "wal-archive");

    private string Backups => Path.Combine(_directory, "backups");

    public async Task InitializeAsync()
    {
        await WalArchive.CreateDirectoryAsync(_directory);
        await WalArchive.ChownToPostgresAsync(_directory);
        _postgres = await PostgresServer.StartAsync(await WalArchive.SettingsAsync(Archive));
        _node = new LiveVoteServer(new Dictionary<string, string?>
        {
            ["LiveVote:Storage"] = "Postgres",
            ["LiveVote:Postgres:ConnectionString"] = _postgres.ConnectionString(),
            ["LiveVote:RateLimits:Enabled"] = "false",
            ["LiveVote:Risk:Enabled"] = "false",
            ["Logging:LogLevel:Default"] = "Error",
        });
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (_node is not null)
            {
                await _node.DisposeAsync();
            }

            if (_postgres is not null)
            {
                await _postgres.DisposeAsync();
            }
        }
        finally
        {
            TempDirectory.Delete(_directory);
        }
    }

    [Fact]
    public async Task BaseBackupDuringLoad_RestoredWithTheArchive_HoldsEveryAcknowledgedVoteOnceAndAuditVerifies()
    {
        var load = await VoteLoad.PrepareAsync([_node!], ViewerCount, PollCount, ThinkTime);
        load.Start();
        await Task.Delay(TimeSpan.FromSeconds(2));
        var backup = await WalArchive.BaseBackupAsync(Backups, _postgres!.Port);
        var backupEndedAt = load.Clock.Elapsed.TotalSeconds;
        await Task.Delay(TimeSpan.FromSeconds(2));
        var all = await load.StopAsync();

        Assert.All(all, a => Assert.True(a.Status is 201 or 200, $"viewer {a.Viewer} poll {a.Poll}: final answer {a.Status}"));

        // Votes sent after the backup ended are only in the archived WAL: the restore must replay the archive.
        Assert.Contains(all, a => a.SentAt > backupEndedAt);
        await WalArchive.WaitArchivedAsync(_postgres.ConnectionString(), Deadline);

        await using var restored = await RestoredPostgres.StartAsync(backup, Archive, restorePoint: null, Deadline);
        output.WriteLine($"{all.Length} votes acknowledged, backup {Path.GetFileName(backup)} ended at {backupEndedAt:F1}s, " +
            $"{all.Count(a => a.SentAt > backupEndedAt)} sent after it; archive: {Directory.GetFiles(Archive).Length} files");

        // Every acknowledged vote once, under its vote id and receipt; audit chains intact; tallies = the recount.
        await StoredVotes.AssertExactlyOnceAsync(restored.ConnectionString(), load, all, "the restored copy");
        await AssertAuditVerifiesAsync(restored);
    }

    [Fact]
    public async Task PointInTimeRecovery_ToANamedRestorePoint_HoldsTheVotesBeforeItAndNoneAfter()
    {
        var load = await VoteLoad.PrepareAsync([_node!], ViewerCount, PollCount, ThinkTime);
        load.Start();
        await Task.Delay(TimeSpan.FromSeconds(1));
        var backup = await WalArchive.BaseBackupAsync(Backups, _postgres!.Port);
        await Task.Delay(TimeSpan.FromSeconds(1));

        // The named moment, while votes keep coming: a vote answered before the call committed before the point; a
        // vote first sent after the call returned committed after it. Votes in flight across it may fall either way.
        var point = $"before-drill-{Guid.NewGuid():N}";
        var pointFrom = load.Clock.Elapsed.TotalSeconds;
        await using (var connection = new NpgsqlConnection(_postgres.ConnectionString()))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT pg_create_restore_point(@name)::text", connection);
            command.Parameters.AddWithValue("name", point);
            await command.ExecuteScalarAsync();
        }

        var pointTo = load.Clock.Elapsed.TotalSeconds;
        await Task.Delay(TimeSpan.FromSeconds(2));
        var all = await load.StopAsync();
        Assert.All(all, a => Assert.True(a.Status is 201 or 200, $"viewer {a.Viewer} poll {a.Poll}: final answer {a.Status}"));
        await WalArchive.WaitArchivedAsync(_postgres.ConnectionString(), Deadline);

        await using var restored = await RestoredPostgres.StartAsync(backup, Archive, point, Deadline);
        var before = all.Where(a => a.At < pointFrom).ToArray();
        var after = all.Where(a => a.SentAt > pointTo).ToArray();
        Assert.NotEmpty(before);
        Assert.NotEmpty(after);

        await using var restoredConnection = new NpgsqlConnection(restored.ConnectionString());
        await restoredConnection.OpenAsync();
        var votes = await StoredVotes.ReadVotesAsync(restoredConnection);
        var keys = await TestVoterKeys.ForPollsAsync(restored.ConnectionString(), load.Polls.Select(p => p.Id));
        output.WriteLine($"restore point {point} set between {pointFrom:F2}s and {pointTo:F2}s; {all.Length} votes acknowledged: " +
            $"{before.Length} before it, {after.Length} sent after it; {votes.Count} in the restored copy");

        foreach (var answer in before)
        {
            var key = (load.Polls[answer.Poll].Id, keys[load.Polls[answer.Poll].Id].Hex(load.Viewers[answer.Viewer].ViewerId));
            Assert.True(votes.TryGetValue(key, out var row), $"vote {answer.VoteId}, acknowledged before the restore point, is missing\n{restored.Log()}");
            Assert.Equal((answer.VoteId, answer.Receipt, answer.OptionId), ($"{row.Writer}-{row.Seq}", row.Receipt, row.OptionId));
        }

        foreach (var answer in after)
        {
            var key = (load.Polls[answer.Poll].Id, keys[load.Polls[answer.Poll].Id].Hex(load.Viewers[answer.Viewer].ViewerId));
            Assert.False(votes.ContainsKey(key), $"vote {answer.VoteId}, sent after the restore point, is in the copy restored to it");
        }

        // Nothing else: every stored vote is one the load sent (none twice: one row per poll and voter).
        Assert.InRange(votes.Count, before.Length, all.Length - after.Length);
        await AssertAuditVerifiesAsync(restored);
    }

    private static async Task AssertAuditVerifiesAsync(RestoredPostgres restored)
    {
        var (exitCode, verifyOutput) = await AuditVerifyCli.VerifyPostgresAsync(restored.ConnectionString());
        Assert.True(exitCode == 0, verifyOutput);
        Assert.Contains("OK: every writer's hash chain is intact", verifyOutput, StringComparison.Ordinal);
    }
}
