using System.Net;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Ingest;

/// <summary>
/// A tiny queue in front of a slowed store: the server must refuse what it cannot store in time with 503 overloaded and
/// Retry-After, never fail otherwise, store every vote it accepted, and count every vote exactly once after retries.
/// </summary>
public sealed class BackpressureTests : IAsyncLifetime
{
    private const int Voters = 200;
    private static readonly string[] Options = ["a", "b", "c"];
    private LiveVoteServer _server = null!;

    public Task InitializeAsync()
    {
        _server = new LiveVoteServer(
            new Dictionary<string, string?>
            {
                ["LiveVote:Ingest:QueueCapacity"] = "4",
                ["LiveVote:Ingest:MaxBatchSize"] = "2",
            },
            services => SlowVoteStore.Decorate(services, TimeSpan.FromMilliseconds(50)));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Votes_BeyondQueueCapacity_AreRefusedOverloadedThenCountedOnceWhenRetried()
    {
        var admin = _server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin, Options);
        var viewers = await Api.RegisterManyAsync(admin, Voters);
        var client = _server.Client();
        string OptionOf(int i) => Options[i % Options.Length];

        var burst = await Task.WhenAll(viewers.Select((v, i) => Api.VoteAsync(client, poll.Id, v.Token, OptionOf(i))));

        var statuses = burst.Select(r => (int)r.StatusCode).ToList();
        Assert.DoesNotContain(statuses, s => s >= 500 && s != 503);
        Assert.All(statuses, s => Assert.True(s is 201 or 503, $"unexpected {s}"));
        var refused = burst.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.NotEmpty(refused);
        foreach (var response in refused)
        {
            await ProblemAssert.IsAsync(response, HttpStatusCode.ServiceUnavailable, ErrorCodes.Overloaded);
            Assert.True(response.Headers.RetryAfter?.Delta is { TotalSeconds: >= 1 }, $"Retry-After: {response.Headers.RetryAfter}");
        }

        // Every vote answered 201 is durable: in the audit trail, the votes table and the totals.
        var accepted = new Dictionary<int, VoteResponse>();
        for (var i = 0; i < Voters; i++)
        {
            if (burst[i].StatusCode == HttpStatusCode.Created)
            {
                accepted[i] = await Api.ReadVoteAsync(burst[i]);
            }
        }

        Assert.NotEmpty(accepted);
        var entries = (await Api.AuditAsync(client, poll.Id)).Where(e => e.Kind == "vote").ToDictionary(e => e.Seq);
        Assert.Equal(accepted.Count, entries.Count);
        var keys = TestVoterKeys.FromSqlite(_server.DatabasePath, poll.Id);
        foreach (var (i, vote) in accepted)
        {
            var entry = entries[long.Parse(vote.VoteId, System.Globalization.CultureInfo.InvariantCulture)];
            Assert.Equal(vote.Receipt, entry.Hash);
            Assert.Equal(keys.Hex(viewers[i].ViewerId), entry.VoterKey);
        }

        Assert.Equal(accepted.Count, StoreFile.CountVotes(_server.DatabasePath, poll.Id));
        Assert.Equal(accepted.Count, (await Api.ResultsWhenAsync(client, poll.Id, r => r.Total == accepted.Count)).Total);

        // Everyone retries with backoff, including those already accepted (a client that lost the answer does that).
        var retried = await Task.WhenAll(viewers.Select((v, i) => Api.VoteWithRetryAsync(client, poll.Id, v.Token, OptionOf(i))));

        for (var i = 0; i < Voters; i++)
        {
            var expected = accepted.ContainsKey(i) ? HttpStatusCode.OK : HttpStatusCode.Created;
            Assert.True(retried[i].StatusCode == expected, $"viewer {i}: expected {expected}, got {(int)retried[i].StatusCode}");
            if (accepted.TryGetValue(i, out var first))
            {
                Assert.Equal(first with { Status = VoteStatuses.Duplicate }, await Api.ReadVoteAsync(retried[i]));
            }
        }

        var final = await Api.ResultsWhenAsync(client, poll.Id, r => r.Total == Voters);
        Assert.Equal(Voters, final.Total);
        foreach (var (option, index) in Options.Select((o, i) => (o, i)))
        {
            Assert.Equal(Enumerable.Range(0, Voters).Count(i => i % Options.Length == index), final.Totals[option]);
        }

        var voteEntries = (await Api.AuditAsync(client, poll.Id)).Where(e => e.Kind == "vote").ToList();
        Assert.Equal(Voters, voteEntries.Count);
        Assert.Equal(Voters, voteEntries.Select(e => e.VoterKey).Distinct().Count());
        Assert.Equal(Voters, StoreFile.CountVotes(_server.DatabasePath, poll.Id));
        IndependentAudit.AssertChainVerifies(StoreFile.ReadAudit(_server.DatabasePath));
    }
}
