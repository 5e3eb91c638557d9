using LiveVote.Cli.Loadgen.Subscribers;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Cli.Tests.Loadgen.Subscribers;

/// <summary>
/// The subscriber mode of <c>loadgen</c> against the real server (real Kestrel, chunked SSE): 50 raw-socket streams,
/// five votes one after the other, and every stream must have received every published snapshot, in order.
/// </summary>
public sealed class SubscriberFleetTests
{
    private const int Streams = 50;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task FiftyStreams_EachReceiveEveryPublishedSnapshot_InOrder_AndNoneIsDropped()
    {
        await using var server = new LiveVoteServer(LoadgenServerSettings.HighLimits());
        using var admin = server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin, "a", "b");
        var opening = await Api.ResultsWhenAsync(admin, poll.Id, r => r.Status == "open");
        var fleet = new SubscriberFleet(admin.BaseAddress!, poll.Id, TextWriter.Null);
        using var timeout = new CancellationTokenSource(Deadline * 4);
        await fleet.OpenAsync(Streams, [], TimeSpan.Zero, timeout.Token);
        Assert.Equal(Streams, fleet.OpenCount);
        await AllReachAsync(fleet, opening.Version);

        // One vote at a time, each published and seen by every stream before the next: no snapshot may be coalesced
        // away, so each stream must hold exactly the same sequence of versions.
        var published = new List<long> { opening.Version };
        var viewers = await Api.RegisterManyAsync(admin, 5);
        for (var i = 0; i < viewers.Length; i++)
        {
            (await Api.VoteAsync(admin, poll.Id, viewers[i].Token, i % 2 == 0 ? "a" : "b")).EnsureSuccessStatusCode();
            var total = i + 1;
            var results = await Api.ResultsWhenAsync(admin, poll.Id, r => r.Total == total);
            published.Add(results.Version);
            await AllReachAsync(fleet, results.Version);
        }

        var report = await fleet.StopAsync();

        Assert.Equal(Streams, report.Held);
        Assert.Equal(0, report.Dropped + report.Refused + report.Failed);
        Assert.Equal(0, report.OutOfOrder);
        Assert.Equal(0, report.Missed);
        Assert.Equal(0, report.Unreadable);
        Assert.Equal(Streams * (published.Count - 1), report.Deliveries);
        Assert.Equal(Streams * (published.Count - 1), report.SinceFirstReceipt.Count);
        Assert.All(fleet.Subscribers, subscriber => Assert.Equal(published, subscriber.Versions));
    }

    /// <summary>Waits (bounded) until every stream has received <paramref name="version"/>; fails naming how many lag.</summary>
    private static async Task AllReachAsync(SubscriberFleet fleet, long version)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (fleet.Subscribers.Any(s => s.LastVersion < version))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{fleet.Subscribers.Count(s => s.LastVersion < version)} streams never received version {version}");
            await Task.Delay(20);
        }
    }
}
