using System.Security.Cryptography;
using System.Text.Json;
using LiveVote.Cli.Audit;
using LiveVote.Cli.Tests.Infrastructure;

namespace LiveVote.Cli.Tests.Audit;

/// <summary><c>audit verify</c> on a database the real server wrote and nobody touched.</summary>
public sealed class AuditVerifyCommandTests(VotedDatabase database) : IClassFixture<VotedDatabase>
{
    [Fact]
    public async Task Verify_DatabaseWrittenByTheServer_PassesWithTheCountsTheServerAccepted()
    {
        var path = database.Copy();

        var result = await CliRunner.RunAsync("audit", "verify", "--sqlite", path);

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.Error);
        Assert.DoesNotContain("FAIL", result.Output, StringComparison.Ordinal);
        Assert.Contains($"Audit chain: {database.ExpectedEntries} entries, seq 1..{database.ExpectedEntries}", result.Output, StringComparison.Ordinal);
        Assert.Contains("Entry kinds: poll-created 3, poll-opened 2, poll-closed 1, vote 8, risk-decision 0, admin-lockout 1, results-frozen 0, results-released 0, viewer-results-shown 0, viewer-results-hidden 0\n", result.Output, StringComparison.Ordinal);
        Assert.Contains($"Votes:       {database.Accepted.Count} in the audit chain, {database.Accepted.Count} rows in the votes table", result.Output, StringComparison.Ordinal);
        Assert.Contains($"  {database.OpenPollId} \"Who wins?\" (open): 5 votes", result.Output, StringComparison.Ordinal);
        Assert.Contains($"  {database.ClosedPollId} \"Who wins?\" (closed): 3 votes", result.Output, StringComparison.Ordinal);
        Assert.Contains($"  {database.DraftPollId} \"{VotedDatabase.DraftTitle}\" (draft): 0 votes", result.Output, StringComparison.Ordinal);
        Assert.EndsWith("every tally equals the recount.\n", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_DatabaseWrittenByTheServer_RecountsEachOptionAsTheServerCountedIt()
    {
        var report = AuditVerifier.Verify(database.Copy());

        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.Equal(database.ExpectedEntries, report.Entries);
        Assert.Equal(database.ExpectedEntries, report.HeadSeq);
        Assert.Equal([database.OpenPollId, database.ClosedPollId, database.DraftPollId], report.Polls.Select(p => p.Id));
        foreach (var pollId in new[] { database.OpenPollId, database.ClosedPollId })
        {
            var poll = report.Polls.Single(p => p.Id == pollId);
            Assert.Equal(database.ServerTotals[pollId], poll.Options.ToDictionary(o => o.Id, o => o.Votes));
            Assert.All(poll.Options, o => Assert.Equal(database.CountOf(pollId, o.Id), o.Votes));
        }

        Assert.Equal(new long[] { 1, 3, 1 }, report.Polls[0].Options.Select(o => o.Votes));
        Assert.Equal(new long[] { 2, 1 }, report.Polls[1].Options.Select(o => o.Votes));
        Assert.Equal(new long[] { 0, 0 }, report.Polls[2].Options.Select(o => o.Votes));
    }

    [Fact]
    public async Task Verify_JsonFlag_PrintsAMachineReadableReport()
    {
        var result = await CliRunner.RunAsync("audit", "verify", "--sqlite", database.Copy(), "--json");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Output);
        var root = json.RootElement;
        Assert.True(root.GetProperty("ok").GetBoolean());
        Assert.Equal(database.ExpectedEntries, root.GetProperty("entries").GetInt64());
        Assert.Equal(database.Accepted.Count, root.GetProperty("votes").GetInt64());
        Assert.Equal(0, root.GetProperty("problemCount").GetInt64());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("firstBadSeq").ValueKind);
        Assert.Matches("^[0-9a-f]{64}$", root.GetProperty("headHash").GetString());
        var open = root.GetProperty("polls").EnumerateArray().Single(p => p.GetProperty("id").GetString() == database.OpenPollId);
        Assert.Equal("open", open.GetProperty("status").GetString());
        Assert.Equal(
            ["a=1", "b=3", "c=1"],
            open.GetProperty("options").EnumerateArray().Select(o => $"{o.GetProperty("id").GetString()}={o.GetProperty("votes").GetInt64()}"));
    }

    [Fact]
    public void Verify_HeadHash_EqualsTheServersReceiptForThatEntry()
    {
        // Cut the chain just after the last accepted vote: the verifier's head hash must then be that vote's receipt as
        // the server computed and returned it (the cut itself is reported, the head is still read).
        var path = database.Copy();
        var lastVote = database.Accepted[^1];
        DatabaseTampering.Execute(path, $"DELETE FROM audit WHERE seq > {lastVote.Seq}");

        var report = AuditVerifier.Verify(path);

        Assert.Equal(lastVote.Seq, report.HeadSeq);
        Assert.Equal(lastVote.Receipt, report.HeadHash);
    }

    [Fact]
    public void Verify_RiskDecisionNote_IsCheckedAndCountsNoVote()
    {
        // The server writes risk decisions only under a risk score this fixture does not reach: one as it writes them.
        var path = database.Copy();
        var voter = DatabaseTampering.VoterKeyOf(path, database.Accepted[0].Seq);
        DatabaseTampering.AppendForgedEntry(path, "risk-decision", database.OpenPollId, voter, null,
            """{"action":"captcha-required","reason":"young-account","score":55,"signals":{"young-account":55},"network":"127.0.0.0/24"}""");

        var report = AuditVerifier.Verify(path);

        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.Equal(1, report.EntriesByKind.Single(k => k.Kind == "risk-decision").Entries);
        Assert.Equal(5, report.Polls.Single(p => p.Id == database.OpenPollId).Votes);
    }

    [Fact]
    public async Task Verify_StoppedServersDatabase_ChangesNoFileAndLeavesNoneBehind()
    {
        var path = database.Copy();
        File.Create(path + ".lock").Dispose(); // as the server leaves it
        var before = Snapshot(Path.GetDirectoryName(path)!);
        using (var access = ReadOnlyDatabase.Prepare(path))
        {
            // No server holds it and no WAL is left: opened immutable, so SQLite creates no -wal or -shm file.
            Assert.True(access.Immutable);
        }

        var result = await CliRunner.RunAsync("audit", "verify", "--sqlite", path);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(before, Snapshot(Path.GetDirectoryName(path)!));
    }

    private static string[] Snapshot(string directory) =>
    [
        .. Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal)
            .Select(f => $"{Path.GetFileName(f)} {Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f)))}"),
    ];

    [Fact]
    public async Task Verify_RunAsTheBuiltProgram_PassesOnAGoodDatabaseAndFailsOnATamperedOne()
    {
        var good = database.Copy();
        var bad = database.Copy();
        var vote = database.Accepted[2];
        DatabaseTampering.Execute(bad, $"UPDATE audit SET option_id = 'a' WHERE seq = {vote.Seq}");

        var passed = await CliRunner.RunProcessAsync("audit", "verify", "--sqlite", good);
        var failed = await CliRunner.RunProcessAsync("audit", "verify", "--sqlite", bad);

        Assert.True(passed.ExitCode == 0, passed.Output + passed.Error);
        Assert.Contains($"Audit chain: {database.ExpectedEntries} entries", passed.Output, StringComparison.Ordinal);
        Assert.Contains("OK: ", passed.Output, StringComparison.Ordinal);
        Assert.Equal(1, failed.ExitCode);
        Assert.StartsWith($"FAIL: seq {vote.Seq}: hash mismatch", failed.FirstFailure, StringComparison.Ordinal);
        Assert.Contains($"first bad seq {vote.Seq}.", failed.Output, StringComparison.Ordinal);
    }
}
