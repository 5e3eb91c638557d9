using LiveVote.Cli.Audit.Postgres;
using LiveVote.Cli.Tests.Infrastructure;
using LiveVote.Server.Audit;
using LiveVote.Server.Votes;

namespace LiveVote.Cli.Tests.Audit;

/// <summary>
/// <c>audit verify --postgres</c> against a store two real nodes wrote (one chain per writer), then against copies of it
/// that someone with write access to the database changed.
/// </summary>
public sealed class AuditVerifyPostgresTests(PostgresVotedStore store) : IClassFixture<PostgresVotedStore>
{
    [Fact]
    public async Task Verify_StoreWrittenByTwoNodes_ExitsZeroWithTheRecount()
    {
        var database = await store.CopyAsync();
        var writers = (await PostgresVotedStore.QueryAsync(database, "SELECT DISTINCT writer_id FROM audit ORDER BY 1")).Select(r => (int)r[0]).ToList();

        var result = await CliRunner.RunAsync("audit", "verify", "--postgres", database);

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains($"Audit chains: 11 entries in {writers.Count} writer chain(s)", result.Output, StringComparison.Ordinal);
        Assert.Contains("Votes:       6 in the audit chain, 6 rows in the votes table", result.Output, StringComparison.Ordinal);
        Assert.Contains("OK: every writer's hash chain is intact", result.Output, StringComparison.Ordinal);
        Assert.Contains("results-frozen 1, results-released 0, viewer-results-shown 1, viewer-results-hidden 0", result.Output, StringComparison.Ordinal);

        var report = PostgresAuditVerifier.Verify(database);
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.True(writers.Count >= 2, "both nodes wrote a chain");
        Assert.Equal(writers, report.Chains!.Select(c => c.Writer));
        var poll = Assert.Single(report.Polls);
        Assert.Equal(store.PollId, poll.Id);
        Assert.Equal("closed", poll.Status);
        Assert.Equal(["a=2", "b=3", "c=1"], poll.Options.Select(o => $"{o.Id}={o.Votes}"));
    }

    [Fact]
    public async Task Verify_ChangedOptionInAVoteEntry_FailsNamingItsChainAndSeq()
    {
        var database = await store.CopyAsync();
        var (writer, seq, _) = await VoteEntryAsync(database, "b");
        await PostgresVotedStore.ExecuteOnAsync(database, $"UPDATE audit SET option_id = 'c' WHERE writer_id = {writer} AND seq = {seq}");

        var result = await CliRunner.RunAsync("audit", "verify", "--postgres", database);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"FAIL: chain {writer} seq {seq}: hash mismatch", result.FirstFailure, StringComparison.Ordinal);
        Assert.Contains($"FAILED: ", result.Output, StringComparison.Ordinal);
        Assert.Contains($"first bad chain {writer} seq {seq}.", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_FrozenSnapshotShowingMoreVotesThanCast_FailsNamingTheFreeze()
    {
        var database = await store.CopyAsync();
        await PostgresVotedStore.ExecuteOnAsync(database, "UPDATE audit SET data = '{\"totals\":{\"a\":7,\"b\":3,\"c\":1}}' WHERE kind = 'results-frozen'");

        var report = PostgresAuditVerifier.Verify(database);

        Assert.False(report.Ok);
        Assert.Contains(report.Problems, p => p.Message.StartsWith("hash mismatch", StringComparison.Ordinal));
        Assert.Contains(report.Problems, p => p.PollId == store.PollId
            && p.Message.Contains("shows 7 votes for option 'a', more than the 2 cast", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Verify_PollsRowStillFrozenAfterTheClose_FailsNamingThePoll()
    {
        var database = await store.CopyAsync();
        await PostgresVotedStore.ExecuteOnAsync(database, "UPDATE polls SET frozen_totals = '{\"totals\":{\"a\":2,\"b\":3,\"c\":1}}'");

        var report = PostgresAuditVerifier.Verify(database);

        var problem = Assert.Single(report.Problems);
        Assert.Equal(store.PollId, problem.PollId);
        Assert.Contains("frozen results", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_BumpedTallyRow_FailsNamingThePollAndTheWriter()
    {
        var database = await store.CopyAsync();
        var (writer, _, _) = await VoteEntryAsync(database, "a");
        await PostgresVotedStore.ExecuteOnAsync(database, $"UPDATE tallies SET count = count + 1 WHERE option_id = 'a' AND writer_id = {writer}");

        var result = await CliRunner.RunAsync("audit", "verify", "--postgres", database);

        Assert.Equal(1, result.ExitCode);
        var failure = Assert.Single(result.OutputLines, l => l.StartsWith("FAIL: ", StringComparison.Ordinal));
        Assert.StartsWith($"FAIL: poll {store.PollId}: tally mismatch for option 'a': tallies sum to 3 over writers, audit recount 2", failure, StringComparison.Ordinal);
        Assert.Contains($"chain {writer}: tally 2, its vote entries 1", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_DeletedVotesRow_FailsNamingTheVoteEntry()
    {
        var database = await store.CopyAsync();
        var (writer, seq, _) = await VoteEntryAsync(database, "c");
        await PostgresVotedStore.ExecuteOnAsync(database, $"DELETE FROM votes WHERE writer_id = {writer} AND seq = {seq}");

        var result = await CliRunner.RunAsync("audit", "verify", "--postgres", database);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"FAIL: chain {writer} seq {seq}: vote entry has no votes row", result.FirstFailure);
    }

    [Fact]
    public async Task Verify_ForgedVotesRowForAnotherVoterOnAnExistingEntry_FailsNamingThatEntry()
    {
        var database = await store.CopyAsync();
        var (writer, seq, _) = await VoteEntryAsync(database, "b");
        await PostgresVotedStore.ExecuteOnAsync(database, $"""
            INSERT INTO votes (poll_id, voter_key, option_id, writer_id, seq, receipt)
            SELECT poll_id, '\xffffffffffffffffffffffffffffffff'::bytea, option_id, writer_id, seq, receipt FROM votes
            WHERE writer_id = {writer} AND seq = {seq}
            """);

        var result = await CliRunner.RunAsync("audit", "verify", "--postgres", database);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"FAIL: chain {writer} seq {seq}: ", result.FirstFailure, StringComparison.Ordinal);
        Assert.Contains("voter ffffffffffffffffffffffffffffffff", result.FirstFailure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_ForgedVotesRowWithoutAnEntry_FailsNamingTheSeqItClaims()
    {
        var database = await store.CopyAsync();
        var (writer, _, _) = await VoteEntryAsync(database, "a");
        await PostgresVotedStore.ExecuteOnAsync(database, $"""
            INSERT INTO votes (poll_id, voter_key, option_id, writer_id, seq, receipt)
            VALUES ('{store.PollId}', '\xeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee'::bytea, 'a', {writer}, 1000, '\x00'::bytea)
            """);

        var result = await CliRunner.RunAsync("audit", "verify", "--postgres", database);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"FAIL: chain {writer} seq 1000: votes row (poll {store.PollId}, voter eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee, option 'a') has no audit vote entry",
            result.FirstFailure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_VoterVotingAgainInAnotherChain_FailsNamingTheSecondVote()
    {
        var database = await store.CopyAsync();
        var chains = (await PostgresVotedStore.QueryAsync(database, "SELECT DISTINCT writer_id FROM audit ORDER BY 1")).Select(r => (int)r[0]).ToList();
        var first = (await PostgresVotedStore.QueryAsync(database, $"SELECT seq, voter_key FROM audit WHERE kind = 'vote' AND writer_id = {chains[0]} ORDER BY seq LIMIT 1"))[0];
        var last = chains[^1];

        // A correctly linked and hashed entry (the server's own hashing) at the head of the last chain: only the
        // cross-chain dedup can catch it.
        var seq = await AppendForgedVoteAsync(database, last, (byte[])first[1], "c");

        var result = await CliRunner.RunAsync("audit", "verify", "--postgres", database);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"FAIL: chain {last} seq {seq}: second vote of voter {Convert.ToHexStringLower((byte[])first[1])} in poll {store.PollId} (first at chain {chains[0]} seq {(long)first[0]})",
            result.FirstFailure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_VoteTimedAfterTheClose_FailsNamingTheVoteAndTheClose()
    {
        var database = await store.CopyAsync();
        var close = (await PostgresVotedStore.QueryAsync(database, "SELECT writer_id, seq, at FROM audit WHERE kind = 'poll-closed'"))[0];
        var (closeWriter, closeSeq, closedAt) = ((int)close[0], (long)close[1], (long)close[2]);
        var last = (await PostgresVotedStore.QueryAsync(database, "SELECT max(writer_id) FROM audit"))[0][0] is int writer ? writer : 0;

        // Correctly linked and hashed, by a voter with no other vote: only the poll's times (chains have no common
        // order) show that the poll was closed when it was cast.
        var voter = Enumerable.Repeat((byte)0xDD, 16).ToArray();
        var seq = await AppendForgedVoteAsync(database, last, voter, "a", closedAt + 1000);

        var result = await CliRunner.RunAsync("audit", "verify", "--postgres", database);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            $"FAIL: chain {last} seq {seq}: vote at {closedAt + 1000} in poll {store.PollId} after it was closed (at {closedAt}, chain {closeWriter} seq {closeSeq})",
            result.FirstFailure);
    }

    [Fact]
    public async Task Verify_ChainTailCutOff_FailsNamingTheEntryTheCheckpointBinds()
    {
        var database = await store.CopyAsync();
        var head = (await PostgresVotedStore.QueryAsync(database, "SELECT writer_id, max(seq) FROM audit GROUP BY writer_id ORDER BY 1 LIMIT 1"))[0];
        var (writer, seq) = ((int)head[0], (long)head[1]);
        await PostgresVotedStore.ExecuteOnAsync(database, $"DELETE FROM audit WHERE writer_id = {writer} AND seq = {seq}");

        var result = await CliRunner.RunAsync("audit", "verify", "--postgres", database);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(result.OutputLines, l => l.StartsWith($"FAIL: chain {writer} seq {seq}: checkpoint ", StringComparison.Ordinal)
                                                 && l.Contains("the chain does not hold it", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(new[] { "--sqlite", "x.db", "--postgres", "Host=127.0.0.1" }, "Give exactly one of --sqlite <path> and --postgres <connection string>.")]
    [InlineData(new[] { "--postgres", "this is not=a;;=connection string" }, "--postgres is not a valid connection string")]
    public async Task Verify_BadPostgresArguments_ExitsTwo(string[] args, string reason)
    {
        var result = await CliRunner.RunAsync(["audit", "verify", .. args]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(reason, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_UnreachableServer_ExitsThreeSayingItCannotRead()
    {
        // A port of the test cluster's own host with nothing listening: the cluster is stopped only at the end.
        var result = await CliRunner.RunAsync("audit", "verify", "--postgres", "Host=127.0.0.1;Port=1;Username=postgres;Database=livevote;Timeout=5");

        // Contract 4 (issue 16): could not reach the store is exit 3, not a failed check (1): nothing was checked.
        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith("Could not reach: cannot read postgresql://postgres@127.0.0.1:1/livevote as a LiveVote PostgreSQL store", result.Error, StringComparison.Ordinal);
    }

    private async Task<(int Writer, long Seq, byte[] VoterKey)> VoteEntryAsync(string database, string optionId)
    {
        var row = (await PostgresVotedStore.QueryAsync(database,
            $"SELECT writer_id, seq, voter_key FROM audit WHERE kind = 'vote' AND poll_id = '{store.PollId}' AND option_id = '{optionId}' ORDER BY writer_id, seq LIMIT 1"))[0];
        return ((int)row[0], (long)row[1], (byte[])row[2]);
    }

    /// <summary>Appends a vote entry at the head of a chain, timed like the head unless <paramref name="at"/> says otherwise.</summary>
    private async Task<long> AppendForgedVoteAsync(string database, int writer, byte[] voterKey, string optionId, long? at = null)
    {
        var head = (await PostgresVotedStore.QueryAsync(database, $"SELECT seq, hash, at FROM audit WHERE writer_id = {writer} ORDER BY seq DESC LIMIT 1"))[0];
        var seq = (long)head[0] + 1;
        var atUnixMs = at ?? (long)head[2];
        var hash = AuditEntry.ComputeHash(seq, AuditKinds.Vote, store.PollId, VoterKey.Read(voterKey), optionId, atUnixMs, null, Sha256Hash.Read((byte[])head[1]));
        await PostgresVotedStore.ExecuteOnAsync(database, $"""
            INSERT INTO audit (writer_id, seq, kind, poll_id, voter_key, option_id, at, data, prev_hash, hash)
            VALUES ({writer}, {seq}, 'vote', '{store.PollId}', '\x{Convert.ToHexStringLower(voterKey)}'::bytea, '{optionId}', {atUnixMs}, NULL,
                    '\x{Convert.ToHexStringLower((byte[])head[1])}'::bytea, '\x{Convert.ToHexStringLower(hash.ToArray())}'::bytea)
            """);
        return seq;
    }
}
