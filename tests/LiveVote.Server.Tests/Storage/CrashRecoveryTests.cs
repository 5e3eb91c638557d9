using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace LiveVote.Server.Tests.Storage;

/// <summary>
/// The durability promise, tested the hard way: the real server process is SIGKILLed while votes are in flight. Every
/// vote it had answered 201 must be there after a restart, exactly once, with the receipt it was given; the totals must
/// equal a recount of the audit trail, and the hash chain must verify. Retrying every vote afterwards counts nothing twice.
/// </summary>
public sealed class CrashRecoveryTests(ITestOutputHelper output) : IDisposable
{
    private const int Voters = 300;
    private const int Senders = 32;

    // Kill once this many votes were acknowledged: well into the stream, with many more in flight and still to come.
    private const int AcknowledgedBeforeKill = 100;
    private static readonly string[] Options = ["a", "b", "c"];
    private readonly string _dataDirectory = TempDirectory.Create("livevote-crash");
    private ServerProcess? _first;
    private ServerProcess? _restarted;

    private string DatabasePath => Path.Combine(_dataDirectory, "livevote.db");

    public void Dispose()
    {
        // Whatever happened, what both server runs said is in the test's output.
        output.WriteLine($"--- first run ---\n{_first?.Output}\n--- after restart ---\n{_restarted?.Output}");
        TempDirectory.Delete(_dataDirectory);
    }

    [Fact]
    public async Task Vote_AcknowledgedBeforeKill_IsPresentOnceAfterRestart()
    {
        PollDto poll;
        RegisterViewerResponse[] viewers;
        var acknowledged = new ConcurrentDictionary<int, VoteResponse>();
        var lost = 0;
        await using (var server = _first = await ServerProcess.StartAsync(DatabasePath))
        {
            using var admin = server.Client(admin: true);
            poll = await Api.CreateOpenPollAsync(admin, Options);
            viewers = await Api.RegisterManyAsync(admin, Voters);
            using var client = server.Client();
            var next = -1;
            var killed = 0;

            async Task SendAsync()
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < Voters)
                {
                    try
                    {
                        var response = await Api.VoteAsync(client, poll.Id, viewers[i].Token, Options[i % Options.Length]);
                        if (response.StatusCode != HttpStatusCode.Created)
                        {
                            continue;
                        }

                        // Acknowledged: from here on the vote must survive anything.
                        acknowledged[i] = await Api.ReadVoteAsync(response);
                        if (acknowledged.Count >= AcknowledgedBeforeKill && Interlocked.Exchange(ref killed, 1) == 0)
                        {
                            server.Kill();
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or System.Text.Json.JsonException)
                    {
                        // No answer (or half of one): the vote's fate is unknown until it is retried.
                        Interlocked.Increment(ref lost);
                    }
                }
            }

            await Task.WhenAll(Enumerable.Range(0, Senders).Select(_ => Task.Run(SendAsync)));
            await server.WaitForExitAsync();
            Assert.Equal(1, killed);
        }

        output.WriteLine($"{acknowledged.Count} votes acknowledged before the kill, {lost} without an answer");
        Assert.True(acknowledged.Count >= AcknowledgedBeforeKill, $"only {acknowledged.Count} votes were acknowledged");
        Assert.True(lost > 0, "the kill was meant to hit votes in flight, yet every vote was answered");

        await using (var restarted = _restarted = await ServerProcess.StartAsync(DatabasePath))
        {
            using var client = restarted.Client();
            var keys = TestVoterKeys.FromSqlite(DatabasePath, poll.Id);
            var entries = await Api.AuditAsync(client, poll.Id);
            var votes = entries.Where(e => e.Kind == "vote").ToList();

            // Every acknowledged vote is there: its voteId is its entry's seq, its receipt the entry's hash.
            var bySeq = votes.ToDictionary(e => e.Seq);
            foreach (var (i, vote) in acknowledged)
            {
                Assert.True(bySeq.TryGetValue(long.Parse(vote.VoteId, CultureInfo.InvariantCulture), out var entry),
                    $"acknowledged vote {vote.VoteId} of viewer {i} is missing after the crash");
                Assert.Equal(vote.Receipt, entry.Hash);
                Assert.Equal(keys.Hex(viewers[i].ViewerId), entry.VoterKey);
                Assert.Equal(Options[i % Options.Length], entry.OptionId);
            }

            // ... exactly once, and nothing is counted that the trail does not hold.
            Assert.Equal(votes.Count, votes.Select(e => e.VoterKey).Distinct().Count());
            var knownKeys = viewers.Select(v => (string?)keys.Hex(v.ViewerId)).ToHashSet();
            Assert.All(votes, e => Assert.Contains(e.VoterKey, knownKeys));
            await AssertTotalsEqualRecountAsync(client, poll.Id, votes);
            IndependentAudit.AssertPollEntriesVerify(entries);
            IndependentAudit.AssertChainVerifies(StoreFile.ReadAudit(DatabasePath));

            // Every vote again, as clients whose answer was lost (or never came) do: each ends 201 or 200, none twice.
            var retried = await Task.WhenAll(viewers.Select((v, i) => Api.VoteWithRetryAsync(client, poll.Id, v.Token, Options[i % Options.Length])));
            var storedBeforeRetry = votes.Select(e => e.VoterKey).ToHashSet();
            for (var i = 0; i < Voters; i++)
            {
                var wasStored = storedBeforeRetry.Contains(keys.Hex(viewers[i].ViewerId));
                Assert.Equal(wasStored ? HttpStatusCode.OK : HttpStatusCode.Created, retried[i].StatusCode);
                var answer = await Api.ReadVoteAsync(retried[i]);
                if (acknowledged.TryGetValue(i, out var first))
                {
                    Assert.Equal(first with { Status = VoteStatuses.Duplicate }, answer);
                }
                else if (wasStored)
                {
                    // Stored although its answer was lost: the retry names the stored vote.
                    Assert.Equal(keys.Hex(viewers[i].ViewerId), bySeq[long.Parse(answer.VoteId, CultureInfo.InvariantCulture)].VoterKey);
                }
            }

            var finalVotes = (await Api.AuditAsync(client, poll.Id)).Where(e => e.Kind == "vote").ToList();
            Assert.Equal(Voters, finalVotes.Count);
            Assert.Equal(Voters, finalVotes.Select(e => e.VoterKey).Distinct().Count());
            Assert.Equal(Voters, StoreFile.CountVotes(DatabasePath, poll.Id));
            await AssertTotalsEqualRecountAsync(client, poll.Id, finalVotes);
            IndependentAudit.AssertChainVerifies(StoreFile.ReadAudit(DatabasePath));
        }
    }

    private static async Task AssertTotalsEqualRecountAsync(HttpClient client, string pollId, List<AuditEntryDto> votes)
    {
        var recount = Options.ToDictionary(o => o, o => (long)votes.Count(e => e.OptionId == o));
        var results = await Api.ResultsWhenAsync(client, pollId, r => r.Total == votes.Count);
        Assert.Equal(recount, results.Totals);
        Assert.Equal(votes.Count, results.Total);
    }
}
