using LiveVote.Cli.Audit;
using LiveVote.Cli.Tests.Infrastructure;

namespace LiveVote.Cli.Tests.Audit;

/// <summary>
/// One stored thing changed at a time, as someone with write access to the file could: <c>audit verify</c> must exit 1
/// and its first FAIL line must name the seq (or the poll, for a table of totals) that was changed.
/// </summary>
public sealed class AuditVerifyTamperingTests(VotedDatabase database) : IClassFixture<VotedDatabase>
{
    public static TheoryData<string> Tamperings =>
    [
        "audit option changed",
        "audit hash changed",
        "audit prev_hash changed",
        "audit entry deleted",
        "audit voter_key changed",
        "votes row deleted",
        "votes row option changed",
        "votes row duplicated",
        "vote rewritten and chain re-hashed",
        "forged vote after the close",
        "forged vote in a draft poll",
        "forged second vote of a voter",
        "forged vote for an unknown option",
        "forged vote in an unknown poll",
        "forged risk-decision in an unknown poll",
        "forged admin-lockout naming a poll",
        "forged entry of an unknown kind",
        "tally bumped",
        "tally row deleted",
        "poll status changed",
    ];

    [Theory]
    [MemberData(nameof(Tamperings))]
    public async Task Verify_AfterOneTampering_FailsAndNamesWhereItHappened(string tampering)
    {
        var path = database.Copy();
        var expected = Tamper(tampering, path);

        var result = await CliRunner.RunAsync("audit", "verify", "--sqlite", path);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith(expected, result.FirstFailure, StringComparison.Ordinal);
        Assert.DoesNotContain("OK: ", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_TamperedEntry_ReportsItsSeqAsTheFirstBadSeq()
    {
        var path = database.Copy();
        var vote = database.Accepted[1];
        DatabaseTampering.Execute(path, $"UPDATE audit SET option_id = 'c' WHERE seq = {vote.Seq}");

        var report = AuditVerifier.Verify(path);

        Assert.False(report.Ok);
        Assert.Equal(vote.Seq, report.FirstBadSeq);

        // The changed entry no longer hashes, no longer matches its votes row, and the recount no longer matches the
        // tallies; the chain after it is not blamed (each link is checked against the stored previous hash).
        Assert.Collection(
            report.Problems.Select(p => p.ToString()),
            p => Assert.StartsWith($"seq {vote.Seq}: hash mismatch (stored ", p, StringComparison.Ordinal),
            p => Assert.Equal($"seq {vote.Seq}: votes row differs from the audit entry: option_id 'b' in votes, 'c' in audit", p),
            p => Assert.Equal($"poll {vote.PollId}: tally mismatch for option 'b': tallies table says 3, audit recount 2", p),
            p => Assert.Equal($"poll {vote.PollId}: tally mismatch for option 'c': tallies table says 1, audit recount 2", p));
    }

    [Fact]
    public async Task Verify_JsonFlagOnATamperedDatabase_ReportsTheProblemsAndExitsOne()
    {
        var path = database.Copy();
        var vote = database.Accepted[3];
        DatabaseTampering.Execute(path, $"DELETE FROM votes WHERE seq = {vote.Seq}");

        var result = await CliRunner.RunAsync("audit", "verify", "--sqlite", path, "--json");

        Assert.Equal(1, result.ExitCode);
        using var json = System.Text.Json.JsonDocument.Parse(result.Output);
        Assert.False(json.RootElement.GetProperty("ok").GetBoolean());
        Assert.Equal(vote.Seq, json.RootElement.GetProperty("firstBadSeq").GetInt64());
        var problem = json.RootElement.GetProperty("problems")[0];
        Assert.Equal(vote.Seq, problem.GetProperty("seq").GetInt64());
        Assert.Equal("vote entry has no votes row", problem.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Verify_FileThatIsNotADatabase_FailsWithExitOne()
    {
        var path = Path.Combine(Path.GetDirectoryName(database.Copy())!, "junk.db");
        await File.WriteAllTextAsync(path, "this is not a SQLite database, just some text that is long enough to be read as a header");

        var result = await CliRunner.RunAsync("audit", "verify", "--sqlite", path);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("FAIL: cannot read", result.FirstFailure, StringComparison.Ordinal);
    }

    /// <summary>Applies one tampering to the copy at <paramref name="path"/>; returns how the first FAIL line must start.</summary>
    private string Tamper(string tampering, string path)
    {
        var vote = database.Accepted[2]; // the open poll's third vote, for option b
        var otherVoter = DatabaseTampering.VoterKeyOf(path, database.Accepted[0].Seq);
        var newVoter = Enumerable.Range(1, 16).Select(i => (byte)(0xA0 + i)).ToArray();
        var head = DatabaseTampering.HeadSeq(path);
        switch (tampering)
        {
            case "audit option changed":
                DatabaseTampering.Execute(path, $"UPDATE audit SET option_id = 'a' WHERE seq = {vote.Seq}");
                return $"FAIL: seq {vote.Seq}: hash mismatch";
            case "audit hash changed":
                DatabaseTampering.Execute(path, $"UPDATE audit SET hash = randomblob(32) WHERE seq = {vote.Seq}");
                return $"FAIL: seq {vote.Seq}: hash mismatch";
            case "audit prev_hash changed":
                DatabaseTampering.Execute(path, $"UPDATE audit SET prev_hash = zeroblob(32) WHERE seq = {vote.Seq}");
                return $"FAIL: seq {vote.Seq}: prev_hash does not match the stored hash of seq {vote.Seq - 1}";
            case "audit entry deleted":
                DatabaseTampering.Execute(path, $"DELETE FROM audit WHERE seq = {vote.Seq}");
                return $"FAIL: seq {vote.Seq}: missing";
            case "audit voter_key changed":
                DatabaseTampering.Execute(path, $"UPDATE audit SET voter_key = x'{Convert.ToHexString(newVoter)}' WHERE seq = {vote.Seq}");
                return $"FAIL: seq {vote.Seq}: hash mismatch";
            case "votes row deleted":
                DatabaseTampering.Execute(path, $"DELETE FROM votes WHERE seq = {vote.Seq}");
                return $"FAIL: seq {vote.Seq}: vote entry has no votes row";
            case "votes row option changed":
                DatabaseTampering.Execute(path, $"UPDATE votes SET option_id = 'c' WHERE seq = {vote.Seq}");
                return $"FAIL: seq {vote.Seq}: votes row differs from the audit entry: option_id 'c' in votes, 'b' in audit";
            case "votes row duplicated":
                DatabaseTampering.Execute(path, $"INSERT INTO votes (seq, poll_id, voter_key, option_id) SELECT {head + 1}, poll_id, voter_key, option_id FROM votes WHERE seq = {vote.Seq}");
                return $"FAIL: seq {head + 1}: votes row (poll {vote.PollId}, voter {Convert.ToHexStringLower(DatabaseTampering.VoterKeyOf(path, vote.Seq))}, " +
                       $"option 'b') has no audit vote entry; it repeats that voter's vote at seq {vote.Seq}";
            case "vote rewritten and chain re-hashed":
                DatabaseTampering.RewriteVoteAndRehashChain(path, vote.Seq, "a");
                return $"FAIL: seq {vote.Seq}: votes row differs from the audit entry: option_id 'b' in votes, 'a' in audit";
            case "forged vote after the close":
                return $"FAIL: seq {DatabaseTampering.AppendForgedVote(path, database.ClosedPollId, newVoter, "yes")}: vote in poll {database.ClosedPollId} while it was closed";
            case "forged vote in a draft poll":
                return $"FAIL: seq {DatabaseTampering.AppendForgedVote(path, database.DraftPollId, newVoter, "x")}: vote in poll {database.DraftPollId} while it was draft";
            case "forged second vote of a voter":
                return $"FAIL: seq {DatabaseTampering.AppendForgedVote(path, database.OpenPollId, otherVoter, "c")}: second vote of voter {Convert.ToHexStringLower(otherVoter)} in poll {database.OpenPollId} (first at seq {database.Accepted[0].Seq})";
            case "forged vote for an unknown option":
                return $"FAIL: seq {DatabaseTampering.AppendForgedVote(path, database.OpenPollId, newVoter, "zzz")}: vote for option 'zzz', which poll {database.OpenPollId} does not have";
            case "forged vote in an unknown poll":
                return $"FAIL: seq {DatabaseTampering.AppendForgedVote(path, "p-nosuchpoll", newVoter, "a")}: vote for poll p-nosuchpoll, which no earlier entry created";
            case "forged risk-decision in an unknown poll":
                return $"FAIL: seq {DatabaseTampering.AppendForgedEntry(path, "risk-decision", "p-nosuchpoll", newVoter, null, "{}")}: risk-decision for poll p-nosuchpoll, which no earlier entry created";
            case "forged admin-lockout naming a poll":
                return $"FAIL: seq {DatabaseTampering.AppendForgedEntry(path, "admin-lockout", database.OpenPollId, null, null, "{}")}: admin-lockout entry must carry no poll_id";
            case "forged entry of an unknown kind":
                return $"FAIL: seq {DatabaseTampering.AppendForgedEntry(path, "vote-reset", database.OpenPollId, null, null, null)}: unknown kind 'vote-reset'";
            case "tally bumped":
                DatabaseTampering.Execute(path, $"UPDATE tallies SET count = count + 1 WHERE poll_id = '{database.OpenPollId}' AND option_id = 'a'");
                return $"FAIL: poll {database.OpenPollId}: tally mismatch for option 'a': tallies table says 2, audit recount 1";
            case "tally row deleted":
                DatabaseTampering.Execute(path, $"DELETE FROM tallies WHERE poll_id = '{database.ClosedPollId}' AND option_id = 'no'");
                return $"FAIL: poll {database.ClosedPollId}: tally mismatch for option 'no': tallies table says 0, audit recount 1";
            case "poll status changed":
                DatabaseTampering.Execute(path, $"UPDATE polls SET status = 'open' WHERE id = '{database.ClosedPollId}'");
                return $"FAIL: poll {database.ClosedPollId}: polls table says status open, the audit chain says closed";
            default:
                throw new ArgumentOutOfRangeException(nameof(tampering), tampering, "no such tampering");
        }
    }
}
