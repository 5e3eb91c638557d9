using System.Net;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace LiveVote.Server.Tests.Results;

/// <summary>
/// Results streams past the caps (issue 13, item 10): a client network opening more streams than it may, then the node
/// full. Extra streams are 429 <c>too-many-streams</c> with Retry-After and the limit's name, counted in
/// <c>livevote.ratelimit.rejections</c>; streams of other networks, health checks and votes go on; a stream that ends
/// gives its place back. Small caps, real Kestrel, clients on distinct loopback networks.
/// </summary>
public sealed class ResultsStreamLimitTests(ITestOutputHelper output)
{
    private const int PerNode = 24;
    private const int PerNetwork = 10;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task StreamsPastTheCaps_Are429TooManyStreams_OthersStreamVoteAndCheckHealth()
    {
        using var rejections = new MetricRecorder("livevote.ratelimit.rejections");
        await using var server = new LiveVoteServer(new()
        {
            ["LiveVote:Streams:MaxPerNode"] = PerNode.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["LiveVote:Streams:MaxPerNetwork"] = PerNetwork.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        using var admin = server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin, "a", "b");
        var voter = await Api.RegisterAsync(admin);
        await Api.ResultsWhenAsync(admin, poll.Id, r => r.Status == "open");
        using var timeout = new CancellationTokenSource(Deadline);
        var open = new List<HttpResponseMessage>();
        try
        {
            // One network (two of its hosts) asks for more streams than a network may hold.
            using var flooder = LoopbackClients.From(server, LoopbackClients.Address(66, 1));
            using var neighbour = LoopbackClients.From(server, LoopbackClients.Address(66, 2));
            var answers = await OpenStreamsAsync(flooder, poll.Id, PerNetwork + 2, timeout.Token);
            answers.AddRange(await OpenStreamsAsync(neighbour, poll.Id, 1, timeout.Token));
            open.AddRange(answers.Where(a => a.StatusCode == HttpStatusCode.OK));
            var refused = answers.Where(a => a.StatusCode != HttpStatusCode.OK).ToList();
            output.WriteLine($"{answers.Count} streams asked from one network: {open.Count} open, {refused.Count} refused.");

            Assert.Equal(PerNetwork, open.Count);
            Assert.Equal(3, refused.Count);
            foreach (var answer in refused)
            {
                var problem = await ProblemAssert.IsAsync(answer, HttpStatusCode.TooManyRequests, ErrorCodes.TooManyStreams);
                Assert.Equal("streams-per-network", problem.GetProperty("limit").GetString());
                Assert.Equal("5", answer.Headers.GetValues("Retry-After").Single());
            }

            // Other networks still stream, up to the node's cap...
            using var second = LoopbackClients.From(server, LoopbackClients.Address(67, 1));
            using var third = LoopbackClients.From(server, LoopbackClients.Address(68, 1));
            var others = await OpenStreamsAsync(second, poll.Id, PerNetwork, timeout.Token);
            others.AddRange(await OpenStreamsAsync(third, poll.Id, PerNode - (2 * PerNetwork), timeout.Token));
            Assert.All(others, answer => Assert.Equal(HttpStatusCode.OK, answer.StatusCode));
            open.AddRange(others);
            var events = new SseReader(await others[^1].Content.ReadAsStreamAsync(timeout.Token)); // Left open: it holds its place.
            Assert.Equal(poll.Id, (await events.NextResultsAsync(Deadline)).PollId);

            // ...beyond which the node refuses every network, while health checks and votes answer as ever.
            using var fourth = LoopbackClients.From(server, LoopbackClients.Address(69, 1));
            var full = (await OpenStreamsAsync(fourth, poll.Id, 1, timeout.Token)).Single();
            var nodeProblem = await ProblemAssert.IsAsync(full, HttpStatusCode.TooManyRequests, ErrorCodes.TooManyStreams);
            Assert.Equal("streams", nodeProblem.GetProperty("limit").GetString());
            Assert.Equal(HttpStatusCode.OK, (await fourth.GetAsync("/healthz")).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(fourth, poll.Id, voter.Token, "b")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await fourth.GetAsync($"/v1/polls/{poll.Id}/results")).StatusCode);

            Assert.Equal(3, rejections.Sum(("limit", "streams-per-network")));
            Assert.Equal(1, rejections.Sum(("limit", "streams")));

            // A stream that ends gives its place back: the flooding network may open one again.
            open[0].Dispose();
            open.RemoveAt(0);
            var again = await OpenWhenFreeAsync(flooder, poll.Id, timeout.Token);
            open.Add(again);
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }
        finally
        {
            foreach (var stream in open)
            {
                stream.Dispose();
            }
        }
    }

    /// <summary>Asks for <paramref name="count"/> streams at once, each on a connection of its own; returns the answers (open streams stay open).</summary>
    private static async Task<List<HttpResponseMessage>> OpenStreamsAsync(HttpClient client, string pollId, int count, CancellationToken cancellationToken) =>
    [
        .. await Task.WhenAll(Enumerable.Range(0, count).Select(_ =>
            client.GetAsync($"/v1/polls/{pollId}/results/stream", HttpCompletionOption.ResponseHeadersRead, cancellationToken))),
    ];

    /// <summary>Asks until a stream opens: the server sees a closed stream end as soon as its connection's close reaches it.</summary>
    private static async Task<HttpResponseMessage> OpenWhenFreeAsync(HttpClient client, string pollId, CancellationToken cancellationToken)
    {
        while (true)
        {
            var answer = await client.GetAsync($"/v1/polls/{pollId}/results/stream", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (answer.StatusCode == HttpStatusCode.OK)
            {
                return answer;
            }

            answer.Dispose();
            await Task.Delay(100, cancellationToken);
        }
    }
}
