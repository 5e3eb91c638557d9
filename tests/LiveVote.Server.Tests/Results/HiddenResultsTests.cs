using System.Net;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using static LiveVote.Server.Tests.Polls.PollManagementApi;

namespace LiveVote.Server.Tests.Results;

/// <summary>
/// Results hidden until a reveal: the public results and their stream carry every option with no count while hidden,
/// the admin live view counts on, the signed result is 404 <c>results-hidden</c>; a reveal publishes the counts.
/// </summary>
public sealed class HiddenResultsTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private readonly LiveVoteServer _server = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task AHiddenPoll_ShowsNoCountsToThePublic_UntilTheReveal()
    {
        var admin = _server.AdminClient();
        var poll = await CreatedAsync(admin, Definition(hide: true));
        Assert.True(poll.ResultsHidden);
        (await Api.OpenPollAsync(admin, poll.Id)).EnsureSuccessStatusCode();
        await PresentationApi.CastAsync(admin, poll.Id, "a", "a", "b");
        Assert.Equal(3, (await PresentationApi.LiveWhenAsync(admin, poll.Id, r => r.Total == 3)).Total);

        using var client = _server.Client();
        using var timeout = new CancellationTokenSource(Deadline * 3);
        using var stream = await client.GetAsync($"/v1/polls/{poll.Id}/results/stream", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var events = new SseReader(await stream.Content.ReadAsStreamAsync(timeout.Token));
        var onConnect = await events.NextResultsAsync(Deadline);
        var hidden = await Api.ResultsAsync(client, poll.Id);
        foreach (var results in new[] { onConnect, hidden })
        {
            Assert.True(results.Hidden);
            Assert.Equal(0, results.Total);
            Assert.Equal(["a", "b"], results.Totals.Keys.Order());
            Assert.All(results.Totals.Values, count => Assert.Equal(0, count));
        }

        Assert.False((await PresentationApi.LiveAsync(admin, poll.Id)).Hidden);

        var revealed = await ReadAsync(await PostAsync(admin, poll.Id, "reveal"));
        Assert.False(revealed.ResultsHidden);
        var shown = await events.NextResultsWhereAsync(r => !r.Hidden, Deadline);
        Assert.Equal(2, shown.Totals["a"]);
        Assert.Equal(3, shown.Total);
        Assert.True(shown.Version > onConnect.Version);
        Assert.Equal(3, (await Api.ResultsWhenAsync(client, poll.Id, r => !r.Hidden)).Total);

        // Hidden again: the counts leave the public results and the stream.
        (await PostAsync(admin, poll.Id, "hide-results")).EnsureSuccessStatusCode();
        var again = await events.NextResultsWhereAsync(r => r.Hidden, Deadline);
        Assert.Equal(0, again.Total);
        Assert.Equal(0, (await Api.ResultsWhenAsync(client, poll.Id, r => r.Hidden)).Total);
        Assert.Equal(
            ["poll-created", "poll-opened", "results-revealed", "results-hidden"],
            (await Api.AuditAsync(admin, poll.Id)).Select(e => e.Kind).Where(k => k != "vote"));
    }

    [Fact]
    public async Task AClosedHiddenPoll_HasNoPublicResult_UntilTheReveal()
    {
        var admin = _server.AdminClient();
        var poll = await CreatedAsync(admin, Definition(hide: true));
        (await Api.OpenPollAsync(admin, poll.Id)).EnsureSuccessStatusCode();
        await PresentationApi.CastAsync(admin, poll.Id, "b");
        (await Api.ClosePollAsync(admin, poll.Id)).EnsureSuccessStatusCode();

        await ProblemAssert.IsAsync(await _server.Client().GetAsync($"/v1/polls/{poll.Id}/result"), HttpStatusCode.NotFound, ErrorCodes.ResultsHidden);
        var closed = await Api.ResultsWhenAsync(_server.Client(), poll.Id, r => r.Status == "closed");
        Assert.True(closed.Hidden);
        Assert.Equal(0, closed.Total);

        (await PostAsync(admin, poll.Id, "reveal")).EnsureSuccessStatusCode();
        var result = await _server.Client().GetAsync($"/v1/polls/{poll.Id}/result");
        Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        Assert.Equal(1, (await Api.ResultsWhenAsync(_server.Client(), poll.Id, r => !r.Hidden)).Totals["b"]);
    }

    [Fact]
    public async Task AHiddenPoll_KeepsItsVoteEntriesAndProofsFromThePublic_UntilTheReveal()
    {
        var admin = _server.AdminClient();
        var poll = await CreatedAsync(admin, Definition(hide: true));
        (await Api.OpenPollAsync(admin, poll.Id)).EnsureSuccessStatusCode();
        await PresentationApi.CastAsync(admin, poll.Id, "a", "b", "b");
        var proofPath = $"/v1/polls/{poll.Id}/audit/proof/inclusion?log=0.0&leaf=2";
        using var client = _server.Client();

        await ProblemAssert.IsAsync(await client.GetAsync($"/v1/polls/{poll.Id}/audit"), HttpStatusCode.NotFound, ErrorCodes.ResultsHidden);
        await ProblemAssert.IsAsync(await client.GetAsync(proofPath), HttpStatusCode.NotFound, ErrorCodes.ResultsHidden);

        // The producer's desk still reads the trail, with every vote in it.
        Assert.Equal(3, (await Api.AuditAsync(admin, poll.Id)).Count(e => e.Kind == "vote"));

        (await PostAsync(admin, poll.Id, "reveal")).EnsureSuccessStatusCode();
        Assert.Equal(3, (await Api.AuditAsync(client, poll.Id)).Count(e => e.Kind == "vote"));
        var proof = await PollUntilAsync(() => client.GetAsync(proofPath));
        Assert.Equal(HttpStatusCode.OK, proof.StatusCode);
    }

    /// <summary>The proof waits for a signed head covering the leaf (about a second): 404 not-yet-signed until then.</summary>
    private static async Task<HttpResponseMessage> PollUntilAsync(Func<Task<HttpResponseMessage>> get)
    {
        var until = DateTime.UtcNow + Deadline;
        while (true)
        {
            var response = await get();
            if (response.StatusCode == HttpStatusCode.OK || DateTime.UtcNow > until)
            {
                return response;
            }

            await Task.Delay(100);
        }
    }
}
