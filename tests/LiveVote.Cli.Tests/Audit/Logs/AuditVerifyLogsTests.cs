using LiveVote.Cli.Tests.Infrastructure;

namespace LiveVote.Cli.Tests.Audit.Logs;

/// <summary>
/// <c>audit verify</c> holding the real server's SQLite database to its signed Merkle logs: an honest database passes;
/// a cut tail, a rewrite re-hashed through the chain (which the hash chain alone cannot see), a deleted checkpoint, a
/// forged head, a signed result that is not the recount and a vote after the result each fail, naming the log, the
/// sizes or the leaf.
/// </summary>
public sealed class AuditVerifyLogsTests(VotedDatabase database) : IClassFixture<VotedDatabase>
{
    private readonly TestLogSigner _signer = new();

    [Fact]
    public async Task Verify_HonestDatabaseWithKeyHeadsAndReceipts_ExitsZeroListingEveryLog()
    {
        var signed = new SignedLogsCase(database, _signer);

        var result = await CliRunner.RunAsync(signed.Verify());

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        var open = signed.Log(database.OpenPollId);
        Assert.Contains($"  poll {database.OpenPollId} log 0.0: {open.Hashes.Count} leaves, root {Convert.ToHexStringLower(ReferenceMerkle.Root(open.Hashes, open.Hashes.Count))}, latest signed head {open.Hashes.Count}", result.Output, StringComparison.Ordinal);
        Assert.Contains($" signed head(s) ({signed.Notes.Count - 1} from --heads), 1 result statement(s), {database.Accepted.Count} receipt(s), 1 key(s)", result.Output, StringComparison.Ordinal);
        Assert.Contains("OK: every Merkle log recomputed from the entries matches", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("WARN", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_WithoutKey_ChecksFormOnlyAndWarns()
    {
        var signed = new SignedLogsCase(database, _signer);

        var result = await CliRunner.RunAsync("audit", "verify", "--sqlite", signed.Path);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("WARN: no --key given: the signatures of", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_TailCutWithItsHeads_FailsNamingTheHeadAndTheMissingLeaves()
    {
        var signed = new SignedLogsCase(database, _signer);
        var closed = signed.Log(database.ClosedPollId);
        var size = closed.Hashes.Count;
        var lastVote = database.Accepted.Last(v => v.PollId == database.ClosedPollId);
        Assert.Equal(size - 2, signed.LeafOf(database.ClosedPollId, lastVote.Seq));

        // The newest entries go (the last vote, the close, the lockout note), with their heads, result and tallies.
        DatabaseTampering.Execute(signed.Path, $"""
            DELETE FROM audit WHERE seq >= {lastVote.Seq};
            DELETE FROM votes WHERE seq >= {lastVote.Seq};
            UPDATE tallies SET count = (SELECT count(*) FROM votes WHERE votes.poll_id = tallies.poll_id AND votes.option_id = tallies.option_id);
            UPDATE polls SET status = 'open', closed_at = NULL WHERE id = '{database.ClosedPollId}';
            DELETE FROM signed_heads WHERE poll_id = '{database.ClosedPollId}' AND size > {size - 2};
            DELETE FROM poll_results;
            """);

        var result = await CliRunner.RunAsync(signed.Verify());

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"FAIL: poll {database.ClosedPollId}: log 0.0: signed head of size {size} at {Time(closed.Times[size - 1])}, the database holds {size - 2}: leaves {size - 2}..{size - 1} missing",
            result.Output, StringComparison.Ordinal);
        Assert.Contains($"log 0.0: signed head of size {size} at {Time(closed.Times[size - 1])} (from --heads) is not in the signed_heads table: the checkpoint was deleted", result.Output, StringComparison.Ordinal);
        Assert.Contains($"the receipt for leaf {size - 2} of log 0.0: the database's log holds {size - 2} leaves", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_VoteRewrittenAndChainRehashed_FailsNamingTheLeafTheReceiptCaught()
    {
        var signed = new SignedLogsCase(database, _signer);
        var vote = database.Accepted.Where(v => v.PollId == database.OpenPollId).ElementAt(1);
        var leaf = signed.LeafOf(database.OpenPollId, vote.Seq);
        Rewrite(signed.Path, vote, "c");

        var plain = await CliRunner.RunAsync("audit", "verify", "--sqlite", signed.Path, "--key", _signer.VerifierKey);
        var result = await CliRunner.RunAsync(signed.Verify());

        // The chain and the tables agree with each other; only the signed roots (and the viewer's receipt) say otherwise.
        Assert.Equal(1, plain.ExitCode);
        Assert.Contains($"log 0.0: the database's entries do not give the root of signed head of size {(leaf / 2 * 2) + 2}", plain.Output, StringComparison.Ordinal);
        Assert.Contains($"an entry in leaves {leaf / 2 * 2}..{(leaf / 2 * 2) + 1} was rewritten (the signed head of size {leaf / 2 * 2} still matches)", plain.Output, StringComparison.Ordinal);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"FAIL: seq {vote.Seq}: log 0.0 leaf {leaf} has entry hash", result.Output, StringComparison.Ordinal);
        Assert.Contains($"rewritten at leaf {leaf} (seq {vote.Seq}), which differs from the receipt a viewer kept", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_CheckpointDeleted_FailsNamingIt()
    {
        var signed = new SignedLogsCase(database, _signer);
        var open = signed.Log(database.OpenPollId);
        DatabaseTampering.Execute(signed.Path, $"DELETE FROM signed_heads WHERE poll_id = '{database.OpenPollId}' AND size = 4");

        var result = await CliRunner.RunAsync(signed.Verify());

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"FAIL: poll {database.OpenPollId}: log 0.0: signed head of size 4 at {Time(open.Times[3])} (from --heads) is not in the signed_heads table: the checkpoint was deleted",
            result.FirstFailure);
        Assert.Single(result.OutputLines, l => l.StartsWith("FAIL: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Verify_HeadSignedByAnotherKey_FailsNamingTheRow()
    {
        var signed = new SignedLogsCase(database, _signer);
        using (var logs = SignedLogs.Sqlite(signed.Path))
        {
            var open = signed.Log(database.OpenPollId);
            logs.StoreHead(open, 3, new TestLogSigner(TestLogSigner.Origin, 9).Sign(open.CheckpointBody(3)));
        }

        var result = await CliRunner.RunAsync(signed.Verify());

        Assert.Equal(1, result.ExitCode);
        Assert.Matches($"FAIL: poll {database.OpenPollId}: signed_heads row [0-9]+: its signature does not verify with any given --key", result.FirstFailure);
    }

    [Fact]
    public async Task Verify_SignedResultThatIsNotTheRecount_FailsNamingBothFigures()
    {
        var signed = new SignedLogsCase(database, _signer);
        var yes = database.CountOf(database.ClosedPollId, "yes");
        var no = database.CountOf(database.ClosedPollId, "no");
        var wrong = SignedLogs.Statement(_signer, database.ClosedPollId, [("yes", yes - 1), ("no", no + 1)], signed.Logs);
        DatabaseTampering.Execute(signed.Path, "DELETE FROM poll_results");
        using (var logs = SignedLogs.Sqlite(signed.Path))
        {
            logs.StoreStatement(database.ClosedPollId, wrong);
        }

        var result = await CliRunner.RunAsync(signed.Verify());

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"FAIL: poll {database.ClosedPollId}: signed result: options signed as (yes {yes - 1}, no {no + 1}), recounted as (yes {yes}, no {no})", result.Output, StringComparison.Ordinal);
        Assert.Contains($"FAIL: poll {database.ClosedPollId}: signed result: the statement from --heads is in no partition's poll_results table", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_VoteAddedAfterTheSignedResult_FailsNamingItsLeaf()
    {
        var signed = new SignedLogsCase(database, _signer);
        var size = signed.Log(database.ClosedPollId).Hashes.Count;
        var seq = DatabaseTampering.AppendForgedVote(signed.Path, database.ClosedPollId, new byte[16], "yes");

        var result = await CliRunner.RunAsync(signed.Verify());

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"FAIL: poll {database.ClosedPollId}: signed result: log 0.0 holds a vote at leaf {size}, after the signed size {size}: a vote added after the result", result.Output, StringComparison.Ordinal);
        Assert.True(seq > 0);
    }

    [Fact]
    public async Task Verify_LeafColumnChanged_FailsNamingTheEntry()
    {
        var signed = new SignedLogsCase(database, _signer);
        var vote = database.Accepted[0];
        DatabaseTampering.Execute(signed.Path, $"UPDATE audit SET leaf = 99 WHERE seq = {vote.Seq}");

        var result = await CliRunner.RunAsync(signed.Verify());

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"FAIL: seq {vote.Seq}: leaf column says 99, but the entry is leaf {signed.LeafOf(vote.PollId, vote.Seq)} of log 0.0", result.FirstFailure);
    }

    [Fact]
    public async Task Verify_DatabaseFromBeforeSignedLogs_KeepsItsOutputUnlessHeadsAreGiven()
    {
        var path = database.Copy();
        var signed = new SignedLogsCase(database, _signer);

        // A server with signed logs writes these tables; one from before had none.
        DatabaseTampering.Execute(path, "DROP TABLE IF EXISTS signed_heads; DROP TABLE IF EXISTS poll_results;");

        var plain = await CliRunner.RunAsync("audit", "verify", "--sqlite", path);
        var withHeads = await CliRunner.RunAsync("audit", "verify", "--sqlite", path, "--key", _signer.VerifierKey, "--heads", signed.HeadsFile);

        Assert.Equal(0, plain.ExitCode);
        Assert.DoesNotContain("Merkle", plain.Output, StringComparison.Ordinal);
        Assert.Equal(1, withHeads.ExitCode);
        Assert.Contains("FAIL: the database has no signed_heads table", withHeads.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--key", "not-a-key")]
    [InlineData("--heads", "/nonexistent/heads.json")]
    [InlineData("--receipts", "/nonexistent/receipts.json")]
    public async Task Verify_BadKeyOrFile_ExitsTwo(string option, string value)
    {
        var result = await CliRunner.RunAsync("audit", "verify", "--sqlite", database.Copy(), option, value);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"--{option[2..]}", result.Error, StringComparison.Ordinal);
    }

    private static string Time(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMs).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The vote's option changed in its entry, votes row and tallies, every later link re-hashed: the chain holds.</summary>
    private static void Rewrite(string path, AcceptedVote vote, string option)
    {
        DatabaseTampering.RewriteVoteAndRehashChain(path, vote.Seq, option);
        DatabaseTampering.Execute(path, $"""
            UPDATE votes SET option_id = '{option}' WHERE seq = {vote.Seq};
            UPDATE tallies SET count = count - 1 WHERE poll_id = '{vote.PollId}' AND option_id = '{vote.OptionId}';
            UPDATE tallies SET count = count + 1 WHERE poll_id = '{vote.PollId}' AND option_id = '{option}';
            """);
    }
}
