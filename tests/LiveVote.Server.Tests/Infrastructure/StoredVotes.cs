using Npgsql;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// The exactly-once checks after a store failover, read straight from one PostgreSQL server (the new primary, or its
/// synchronous standby): every answered vote is stored once under the vote id, receipt and option it was answered
/// with; each writer's audit chain links and recomputes; the audit holds each stored vote exactly once; the tallies
/// equal the audit's recount.
/// </summary>
public static class StoredVotes
{
    /// <summary>
    /// Runs every check against <paramref name="connectionString"/> and returns the audit rows read. With voters spread
    /// over several clusters, pass only the answers of that cluster's voters and the partition prefix its vote ids
    /// carry (<paramref name="voteIdPrefix"/>, e.g. <c>"1."</c>).
    /// </summary>
    public static async Task<IReadOnlyList<StoredAuditEntry>> AssertExactlyOnceAsync(
        string connectionString, VoteLoad load, VoteAnswer[] all, string server, string voteIdPrefix = "")
    {
        ArgumentNullException.ThrowIfNull(load);
        ArgumentNullException.ThrowIfNull(all);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var votes = await ReadVotesAsync(connection);
        var audit = await ReadAndVerifyChainsAsync(connection);

        // Every answered vote is stored once, under the vote id and receipt it was answered with, with its option.
        Assert.Equal(all.Length, votes.Count);
        var keys = await TestVoterKeys.ForPollsAsync(connectionString, load.Polls.Select(p => p.Id));
        foreach (var answer in all)
        {
            var key = (load.Polls[answer.Poll].Id, keys[load.Polls[answer.Poll].Id].Hex(load.Viewers[answer.Viewer].ViewerId));
            Assert.True(votes.TryGetValue(key, out var row), $"answered vote {answer.VoteId} is missing from {server}");
            Assert.Equal(answer.VoteId, $"{voteIdPrefix}{row.Writer}-{row.Seq}");
            Assert.Equal(answer.Receipt, row.Receipt);
            Assert.Equal(answer.OptionId, row.OptionId);
        }

        // The audit trail holds each stored vote exactly once, as the entry its receipt names.
        var voteEntries = audit.Where(e => e.Kind == "vote").ToArray();
        Assert.Equal(votes.Count, voteEntries.Length);
        Assert.Equal(voteEntries.Length, voteEntries.Select(e => (e.PollId, e.VoterKey)).Distinct().Count());
        foreach (var entry in voteEntries)
        {
            var row = votes[(entry.PollId!, entry.VoterKey!)];
            Assert.Equal((row.Writer, row.Seq, row.Receipt, row.OptionId), (entry.Writer, entry.Seq, entry.Hash, entry.OptionId!));
        }

        // Totals, summed over every writer's tally rows, equal the audit recount.
        Assert.Equal(Recount(audit).OrderBy(p => p.Key).ToArray(), (await ReadTalliesAsync(connection)).Where(p => p.Value != 0).OrderBy(p => p.Key).ToArray());
        return audit;
    }

    /// <summary>Every node serves, for every poll, the totals the audit recounts.</summary>
    public static async Task AssertResultsApiAsync(VoteLoad load, IReadOnlyList<StoredAuditEntry> audit)
    {
        ArgumentNullException.ThrowIfNull(load);
        var recount = Recount(audit);
        foreach (var node in load.Nodes)
        {
            var client = node.Client();
            foreach (var poll in load.Polls)
            {
                var expected = VoteLoad.Options.ToDictionary(o => o, o => recount.GetValueOrDefault((poll.Id, o)));
                var results = await Api.ResultsWhenAsync(client, poll.Id, r => r.Total == expected.Values.Sum());
                Assert.Equal(expected, results.Totals.ToDictionary(t => t.Key, t => t.Value));
            }
        }
    }

    /// <summary>The votes table, keyed by (poll, voter key in hex).</summary>
    public static async Task<Dictionary<(string PollId, string VoterKey), VoteRow>> ReadVotesAsync(NpgsqlConnection connection)
    {
        var votes = new Dictionary<(string, string), VoteRow>();
        await using var command = new NpgsqlCommand("SELECT poll_id, voter_key, option_id, writer_id, seq, receipt FROM votes", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            votes.Add((reader.GetString(0), Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(1))),
                new VoteRow(reader.GetString(2), reader.GetInt32(3), reader.GetInt64(4), Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(5))));
        }

        return votes;
    }

    private static Dictionary<(string PollId, string OptionId), long> Recount(IReadOnlyList<StoredAuditEntry> audit) =>
        audit.Where(e => e.Kind == "vote").GroupBy(e => (e.PollId!, e.OptionId!)).ToDictionary(g => g.Key, g => (long)g.Count());

    /// <summary>Reads every writer's chain and checks it: seqs consecutive from 1, prev_hash links, hashes recompute.</summary>
    private static async Task<List<StoredAuditEntry>> ReadAndVerifyChainsAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand(
            "SELECT writer_id, seq, kind, poll_id, voter_key, option_id, at, data, prev_hash, hash FROM audit ORDER BY writer_id, seq", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var heads = new Dictionary<int, (long Seq, string Hash)>();
        var rows = new List<StoredAuditEntry>();
        while (await reader.ReadAsync())
        {
            var writer = reader.GetInt32(0);
            var seq = reader.GetInt64(1);
            var (lastSeq, lastHash) = heads.GetValueOrDefault(writer, (0, IndependentAudit.GenesisHash));
            Assert.Equal(lastSeq + 1, seq);
            var prev = Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(8));
            Assert.Equal(lastHash, prev);
            var kind = reader.GetString(2);
            var pollId = reader.IsDBNull(3) ? null : reader.GetString(3);
            var voterKey = reader.IsDBNull(4) ? null : Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(4));
            var optionId = reader.IsDBNull(5) ? null : reader.GetString(5);
            var hash = IndependentAudit.Hash(seq, kind, pollId, voterKey, optionId, reader.GetInt64(6), reader.IsDBNull(7) ? null : reader.GetString(7), prev);
            Assert.Equal(hash, Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(9)));
            heads[writer] = (seq, hash);
            rows.Add(new StoredAuditEntry(writer, seq, kind, pollId, voterKey, optionId, hash));
        }

        return rows;
    }

    private static async Task<Dictionary<(string PollId, string OptionId), long>> ReadTalliesAsync(NpgsqlConnection connection)
    {
        var tallies = new Dictionary<(string, string), long>();
        await using var command = new NpgsqlCommand("SELECT poll_id, option_id, sum(count)::bigint FROM tallies GROUP BY poll_id, option_id", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            tallies.Add((reader.GetString(0), reader.GetString(1)), reader.GetInt64(2));
        }

        return tallies;
    }
}

public sealed record VoteRow(string OptionId, int Writer, long Seq, string Receipt);

public sealed record StoredAuditEntry(int Writer, long Seq, string Kind, string? PollId, string? VoterKey, string? OptionId, string Hash);
