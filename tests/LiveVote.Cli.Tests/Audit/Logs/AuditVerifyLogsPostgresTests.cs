using System.Text.Json;
using LiveVote.Cli.Tests.Audit.Fleet;
using LiveVote.Cli.Tests.Infrastructure;

namespace LiveVote.Cli.Tests.Audit.Logs;

/// <summary>
/// <c>audit verify</c> holding a PostgreSQL store written by two real nodes (one log per writer chain) to its signed
/// logs and result: honest passes; a chain's tail cut with its heads, and a deleted checkpoint, each fail naming the log.
/// </summary>
public sealed class AuditVerifyLogsPostgresTests(PostgresVotedStore store) : IClassFixture<PostgresVotedStore>
{
    private readonly TestLogSigner _signer = new();

    [Fact]
    public async Task Verify_HonestStoreWithHeadsAndResult_ExitsZeroListingOneLogPerWriter()
    {
        var (database, notes, logs) = await SignAsync();

        var result = await CliRunner.RunAsync("audit", "verify", "--postgres", database, "--key", _signer.VerifierKey, "--heads", Write(notes));

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.True(logs.Count >= 2, "both writers' chains hold entries of the poll");
        foreach (var log in logs)
        {
            Assert.Contains($"  poll {store.PollId} log {log.Name}: {log.Hashes.Count} leaves", result.Output, StringComparison.Ordinal);
        }

        Assert.Contains("1 result statement(s)", result.Output, StringComparison.Ordinal);
        Assert.Contains("OK: every Merkle log recomputed from the entries matches", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_WriterChainTailCutWithItsHeads_FailsNamingTheLogAndTheMissingLeaves()
    {
        var (database, notes, logs) = await SignAsync();
        var log = logs.OrderByDescending(l => l.Hashes.Count).First();
        var size = log.Hashes.Count;
        await PostgresVotedStore.ExecuteOnAsync(database, $"""
            DELETE FROM audit WHERE writer_id = {log.Chain} AND seq = {log.Seqs[^1]};
            DELETE FROM votes WHERE writer_id = {log.Chain} AND seq = {log.Seqs[^1]};
            DELETE FROM signed_heads WHERE writer_id = {log.Chain} AND size = {size};
            """);

        var result = await CliRunner.RunAsync("audit", "verify", "--postgres", database, "--key", _signer.VerifierKey, "--heads", Write(notes));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"FAIL: poll {store.PollId}: log {log.Name}: signed head of size {size} at ", result.Output, StringComparison.Ordinal);
        Assert.Contains($", the database holds {size - 1}: leaves {size - 1}..{size - 1} missing (the log's tail was cut)", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_CheckpointDeleted_FailsNamingIt()
    {
        var (database, notes, logs) = await SignAsync();
        var log = logs[0];
        await PostgresVotedStore.ExecuteOnAsync(database, $"DELETE FROM signed_heads WHERE writer_id = {log.Chain} AND size = 1");

        var result = await CliRunner.RunAsync("audit", "verify", "--postgres", database, "--key", _signer.VerifierKey, "--heads", Write(notes));

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"FAIL: poll {store.PollId}: log {log.Name}: signed head of size 1 at ", result.FirstFailure, StringComparison.Ordinal);
        Assert.EndsWith("(from --heads) is not in the signed_heads table: the checkpoint was deleted", result.FirstFailure, StringComparison.Ordinal);
    }

    private async Task<(string Database, List<string> Notes, List<TestLog> Logs)> SignAsync()
    {
        var database = await store.CopyAsync();
        using var signed = SignedLogs.Postgres(database);
        signed.EnsureTables();
        var notes = signed.SignHeads(_signer, step: 1);
        var logs = signed.ReadLogs();
        var statement = SignedLogs.Statement(_signer, store.PollId, [("a", 2), ("b", 3), ("c", 1)], logs);
        signed.StoreStatement(store.PollId, statement);
        notes.Add(statement);
        return (database, notes, logs);
    }

    private static string Write(List<string> notes)
    {
        var path = Path.Combine(Path.GetTempPath(), $"livevote-heads-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(notes));
        return path;
    }
}

/// <summary>
/// The same over a fleet of three clusters (<see cref="PostgresFleet"/>): each cluster's logs named "{partition}.{chain}",
/// the closed poll's result statement naming the logs of all three; a checkpoint deleted in one cluster is named with
/// its partition.
/// </summary>
public sealed class AuditVerifyLogsFleetTests(PostgresFleet fleet) : IClassFixture<PostgresFleet>
{
    private readonly TestLogSigner _signer = new();

    [Fact]
    public async Task Verify_HonestFleetWithHeadsAndResult_ExitsZeroListingEveryPartitionsLogs()
    {
        var (clusters, notes, logs) = await SignAsync();

        var result = await CliRunner.RunAsync([.. Args(clusters), "--key", _signer.VerifierKey, "--heads", Write(notes)]);

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        foreach (var log in logs)
        {
            Assert.Contains($"  poll {log.PollId} log {log.Name}: {log.Hashes.Count} leaves", result.Output, StringComparison.Ordinal);
        }

        Assert.Equal(PostgresFleet.Clusters, logs.Where(l => l.PollId == fleet.ClosedPoll.Id).Select(l => l.Partition).Distinct().Count());
        Assert.Contains("OK: every Merkle log recomputed from the entries matches", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_CheckpointDeletedInOneCluster_FailsNamingThePartitionAndTheLog()
    {
        var (clusters, notes, logs) = await SignAsync();
        var log = logs.First(l => l.Partition == 1 && l.PollId == fleet.ClosedPoll.Id);
        await PostgresVotedStore.ExecuteOnAsync(clusters[1], $"DELETE FROM signed_heads WHERE poll_id = '{log.PollId}' AND writer_id = {log.Chain} AND size = 2");

        var result = await CliRunner.RunAsync([.. Args(clusters), "--key", _signer.VerifierKey, "--heads", Write(notes)]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"FAIL: partition 1 poll {log.PollId}: log {log.Name}: signed head of size 2 at ", result.Output, StringComparison.Ordinal);
        Assert.Contains("(from --heads) is not in the signed_heads table: the checkpoint was deleted", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_ClusterLeftOutThatTheResultNames_Fails()
    {
        var (clusters, notes, _) = await SignAsync();

        var result = await CliRunner.RunAsync([.. Args(clusters[..2]), "--key", _signer.VerifierKey, "--heads", Write(notes)]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is in partition 2, but only 2 store(s) were given to check it against", result.Output, StringComparison.Ordinal);
    }

    private async Task<(string[] Clusters, List<string> Notes, List<TestLog> Logs)> SignAsync()
    {
        var clusters = await fleet.CopyAsync();
        var notes = new List<string>();
        var logs = new List<TestLog>();
        var stores = clusters.Select((c, i) => SignedLogs.Postgres(c, i)).ToList();
        try
        {
            foreach (var signed in stores)
            {
                signed.EnsureTables();
                notes.AddRange(signed.SignHeads(_signer, step: 2));
                logs.AddRange(signed.ReadLogs());
            }

            var statement = SignedLogs.Statement(_signer, fleet.ClosedPoll.Id,
                [.. fleet.ClosedPoll.Options.Select((o, i) => (o.Id, (long)fleet.ClosedPollVotes.Count(v => v.Option == i)))], logs);
            foreach (var signed in stores)
            {
                signed.StoreStatement(fleet.ClosedPoll.Id, statement);
            }

            notes.Add(statement);
        }
        finally
        {
            stores.ForEach(s => s.Dispose());
        }

        return (clusters, notes, logs);
    }

    private static string[] Args(string[] clusters) => ["audit", "verify", .. clusters.SelectMany(c => new[] { "--postgres", c })];

    private static string Write(List<string> notes)
    {
        var path = Path.Combine(Path.GetTempPath(), $"livevote-heads-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(notes));
        return path;
    }
}
