using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace LiveVote.Server.Tests.Storage.Postgres;

/// <summary>
/// Three zones (a primary and two synchronous standbys) under steady vote load from two API nodes; the primary is
/// killed with SIGKILL mid-stream and the most advanced standby promoted by script (see <see cref="PostgresReplicaSet"/>
/// for why not Patroni). The nodes find the new primary through their multi-host connection string; clients retry the
/// same vote on 503s, lost connections and timeouts. Nothing acknowledged may be lost or counted twice.
/// The outage and throughput figures are printed, never asserted.
/// </summary>
public sealed class FailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int ViewerCount = 300;
    private const int PollCount = 200;
    private static readonly string[] Options = ["a", "b", "c"];
    private static readonly TimeSpan LoadBeforeKill = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan LoadAfterRecovery = TimeSpan.FromSeconds(4);
    private readonly List<LiveVoteServer> _nodes = [];
    private PostgresReplicaSet? _zones;

    public async Task InitializeAsync()
    {
        _zones = await PostgresReplicaSet.StartAsync();
        for (var i = 0; i < 2; i++)
        {
            _nodes.Add(new LiveVoteServer(new Dictionary<string, string?>
            {
                ["LiveVote:Storage"] = "Postgres",
                ["LiveVote:Postgres:ConnectionString"] = _zones.MultiHostConnectionString,
                ["LiveVote:RateLimits:Enabled"] = "false",
                ["LiveVote:Risk:Enabled"] = "false",
                ["Logging:LogLevel:Default"] = "Error",

                // Every batch fails while there is no primary, by design (answered 503): one error log each would
                // bury the test's own output.
                ["Logging:LogLevel:LiveVote.Server.Ingest.BatchWriter"] = "Critical",
            }));
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        if (_zones is not null)
        {
            await _zones.DisposeAsync();
        }
    }

    [Fact]
    public async Task Votes_AcrossKillOfThePrimary_AreAllAnsweredAndStoredExactlyOnce()
    {
        var zones = _zones!;
        var admin = _nodes[0].AdminClient();
        var polls = await Task.WhenAll(Enumerable.Range(0, PollCount).Select(_ => Api.CreateOpenPollAsync(admin, Options)));
        foreach (var node in _nodes)
        {
            var client = node.Client();
            foreach (var poll in polls)
            {
                Assert.Equal("open", (await Api.ResultsWhenAsync(client, poll.Id, r => r.Status == "open")).Status);
            }
        }

        var viewers = await Api.RegisterManyAsync(admin, ViewerCount);
        var clients = _nodes.Select(n => new HttpClient { BaseAddress = n.Client().BaseAddress, Timeout = TimeSpan.FromSeconds(20) }).ToArray();
        var answers = new ConcurrentQueue<Answer>();
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var load = Enumerable.Range(0, ViewerCount)
            .Select(v => Task.Run(() => VoteLoopAsync(v, viewers[v].Token, polls, clients, answers, clock, stop.Token)))
            .ToArray();

        await Task.Delay(LoadBeforeKill);
        var oldPrimary = zones.Primary;
        var killedAt = clock.Elapsed.TotalSeconds;
        zones.KillPrimary();
        var newPrimary = await zones.PromoteMostAdvancedStandbyAsync();
        var promotedAt = clock.Elapsed.TotalSeconds;
        await zones.RepointStandbysAsync();
        var repointedAt = clock.Elapsed.TotalSeconds;
        var recoveredAt = await FirstAcceptedAfterAsync(answers, killedAt, clock);
        await Task.Delay(LoadAfterRecovery);
        stop.Cancel();
        await Task.WhenAll(load);
        var stoppedAt = clock.Elapsed.TotalSeconds;

        var all = answers.ToArray();
        Report(all, oldPrimary, newPrimary, killedAt, promotedAt, repointedAt, recoveredAt, stoppedAt);

        // Every viewer got a final answer for every vote it sent: none lost, none left failing.
        Assert.All(all, a => Assert.True(a.Status is 201 or 200, $"viewer {a.Viewer} poll {a.Poll}: final answer {a.Status}"));
        Assert.Equal(all.Length, all.Select(a => (a.Viewer, a.Poll)).Distinct().Count());

        await using var connection = new NpgsqlConnection(PostgresReplicaSet.ConnectionString(newPrimary));
        await connection.OpenAsync();
        var votes = await ReadVotesAsync(connection);
        var audit = await ReadAndVerifyChainsAsync(connection);

        // Both nodes lost their connection mid-load and each went on under a new writer id: a new chain, not a broken one.
        Assert.True(audit.Select(e => e.Writer).Distinct().Count() >= 4, "expected a chain per node before and after the failover");

        // Every answered vote is stored once, under the vote id and receipt it was answered with, with its option.
        Assert.Equal(all.Length, votes.Count);
        foreach (var answer in all)
        {
            var key = (polls[answer.Poll].Id, TestTokens.VoterKey(viewers[answer.Viewer].ViewerId));
            Assert.True(votes.TryGetValue(key, out var row), $"answered vote {answer.VoteId} is missing from the new primary");
            Assert.Equal(answer.VoteId, $"{row.Writer}-{row.Seq}");
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

        // Totals, summed over every writer's tally rows and as the results API serves them, equal the audit recount.
        var recount = voteEntries.GroupBy(e => (e.PollId!, e.OptionId!)).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(recount.OrderBy(p => p.Key).ToArray(), (await ReadTalliesAsync(connection)).Where(p => p.Value != 0).OrderBy(p => p.Key).ToArray());
        foreach (var node in _nodes)
        {
            var client = node.Client();
            foreach (var poll in polls)
            {
                var expected = Options.ToDictionary(o => o, o => recount.GetValueOrDefault((poll.Id, o)));
                var results = await Api.ResultsWhenAsync(client, poll.Id, r => r.Total == expected.Values.Sum());
                Assert.Equal(expected, results.Totals.ToDictionary(t => t.Key, t => t.Value));
            }
        }
    }

    private static async Task VoteLoopAsync(
        int viewer, string token, PollDto[] polls, HttpClient[] clients, ConcurrentQueue<Answer> answers, Stopwatch clock, CancellationToken stop)
    {
        // Each viewer walks the polls from its own starting point, one vote per poll, until told to stop.
        for (var i = 0; i < polls.Length && !stop.IsCancellationRequested; i++)
        {
            var poll = (viewer + i) % polls.Length;
            var optionId = Options[(viewer + poll) % Options.Length];
            answers.Enqueue(await VoteUntilAnsweredAsync(viewer, poll, polls[poll].Id, optionId, token, clients, clock));
        }
    }

    /// <summary>
    /// Sends the same vote until it gets a final answer, as a well-behaved client does: 503, a lost connection and a
    /// timeout all leave the outcome unknown, and sending the very same vote again is safe. Alternates the nodes, as a
    /// load balancer may. Gives up after 90 s and reports the last status (0 for no answer).
    /// </summary>
    private static async Task<Answer> VoteUntilAnsweredAsync(
        int viewer, int poll, string pollId, string optionId, string token, HttpClient[] clients, Stopwatch clock)
    {
        var started = clock.Elapsed;
        var backoffMs = 25;
        var lastStatus = 0;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var response = await Api.VoteAsync(clients[(viewer + poll + attempt) % clients.Length], pollId, token, optionId);
                lastStatus = (int)response.StatusCode;
                if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
                {
                    var vote = response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK
                        ? await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.VoteResponse)
                        : null;
                    return new Answer(viewer, poll, optionId, lastStatus, vote?.VoteId, vote?.Receipt, clock.Elapsed.TotalSeconds, attempt);
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                lastStatus = 0;
            }

            if (clock.Elapsed - started > TimeSpan.FromSeconds(90))
            {
                return new Answer(viewer, poll, optionId, lastStatus, null, null, clock.Elapsed.TotalSeconds, attempt);
            }

            await Task.Delay(backoffMs + Random.Shared.Next(backoffMs));
            backoffMs = Math.Min(backoffMs * 2, 500);
        }
    }

    private static async Task<double> FirstAcceptedAfterAsync(ConcurrentQueue<Answer> answers, double killedAt, Stopwatch clock)
    {
        var deadline = clock.Elapsed + TimeSpan.FromSeconds(60);
        while (clock.Elapsed < deadline)
        {
            var first = answers.Where(a => a.At > killedAt && a.Status == 201 && a.Attempts > 0).Select(a => a.At).DefaultIfEmpty(double.NaN).Min();
            if (!double.IsNaN(first))
            {
                return first;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("No vote was accepted within 60 s of the promotion.");
    }

    private void Report(Answer[] all, PostgresReplicaSet.Member oldPrimary, PostgresReplicaSet.Member newPrimary, double killedAt, double promotedAt, double repointedAt, double recoveredAt, double stoppedAt)
    {
        static double Rate(IEnumerable<Answer> answers, double from, double to) => answers.Count(a => a.At >= from && a.At < to) / Math.Max(to - from, 0.001);
        // The longest stretch around the failover in which no vote was answered 201.
        var accepted = all.Where(a => a.Status == 201 && a.At > killedAt - 1 && a.At < recoveredAt + 1).Select(a => a.At).Order().ToArray();
        var (gapFrom, gapTo) = accepted.Zip(accepted.Skip(1), (from, to) => (From: from, To: to)).DefaultIfEmpty((From: killedAt, To: recoveredAt)).MaxBy(p => p.To - p.From);
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(inv, $"killed {oldPrimary} at {killedAt:F2}s; promoted {newPrimary} at {promotedAt:F2}s: {promotedAt - killedAt:F2}s without a primary; " +
            $"other standby following it at {repointedAt:F2}s (commits wait for it: {repointedAt - killedAt:F2}s without a synchronous primary)"));
        output.WriteLine(string.Create(inv, $"no vote accepted from {gapFrom:F2}s to {gapTo:F2}s: {gapTo - gapFrom:F2}s"));
        output.WriteLine(string.Create(inv, $"votes/s before {Rate(all, 1, killedAt):F0}, during (kill to first retried vote accepted, {recoveredAt - killedAt:F2}s) {Rate(all, killedAt, recoveredAt):F0}, after {Rate(all, recoveredAt, stoppedAt):F0}"));
        output.WriteLine($"answers: {all.Length} ({all.Count(a => a.Status == 201)} x 201, {all.Count(a => a.Status == 200)} x 200 duplicate of a vote whose first answer was lost, " +
            $"{all.Count(a => a.Attempts > 0)} needed retries, most retries of one vote {all.Select(a => a.Attempts).DefaultIfEmpty(0).Max()})");
        output.WriteLine("answers per second: " + string.Join(' ', all.GroupBy(a => (int)a.At).OrderBy(g => g.Key).Select(g => $"{g.Key}s:{g.Count()}")));
    }

    private static async Task<Dictionary<(string PollId, string VoterKey), VoteRow>> ReadVotesAsync(NpgsqlConnection connection)
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

    /// <summary>Reads every writer's chain and checks it: seqs consecutive from 1, prev_hash links, hashes recompute.</summary>
    private static async Task<List<AuditRow>> ReadAndVerifyChainsAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand(
            "SELECT writer_id, seq, kind, poll_id, voter_key, option_id, at, data, prev_hash, hash FROM audit ORDER BY writer_id, seq", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var heads = new Dictionary<int, (long Seq, string Hash)>();
        var rows = new List<AuditRow>();
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
            rows.Add(new AuditRow(writer, seq, kind, pollId, voterKey, optionId, hash));
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

    private sealed record Answer(int Viewer, int Poll, string OptionId, int Status, string? VoteId, string? Receipt, double At, int Attempts);

    private sealed record VoteRow(string OptionId, int Writer, long Seq, string Receipt);

    private sealed record AuditRow(int Writer, long Seq, string Kind, string? PollId, string? VoterKey, string? OptionId, string Hash);
}
