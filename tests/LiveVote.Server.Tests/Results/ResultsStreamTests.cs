using System.Net;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LiveVote.Server.Tests.Results;

public sealed class ResultsStreamTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private readonly LiveVoteServer _server = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task Stream_SendsTheCurrentSnapshotOnConnect_ThenAnAcceptedVote()
    {
        var admin = _server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin, "a", "b");
        var early = await Api.RegisterAsync(admin);
        (await Api.VoteAsync(admin, poll.Id, early.Token, "a")).EnsureSuccessStatusCode();
        await Api.ResultsWhenAsync(admin, poll.Id, r => r.Total == 1);
        var viewer = await Api.RegisterAsync(admin);
        using var timeout = new CancellationTokenSource(Deadline * 2);

        using var client = _server.Client();
        using var response = await client.GetAsync($"/v1/polls/{poll.Id}/results/stream", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl?.NoCache, $"Cache-Control: {response.Headers.CacheControl}");
        using var events = new SseReader(await response.Content.ReadAsStreamAsync(timeout.Token));

        var onConnect = await events.NextResultsAsync(Deadline);
        Assert.Equal(poll.Id, onConnect.PollId);
        Assert.Equal(1, onConnect.Totals["a"]);
        Assert.Equal(1, onConnect.Total);
        Assert.Equal(1000, events.RetryMs);

        (await Api.VoteAsync(client, poll.Id, viewer.Token, "b")).EnsureSuccessStatusCode();
        var updated = await events.NextResultsWhereAsync(r => r.Total == 2, Deadline);

        Assert.Equal(1, updated.Totals["a"]);
        Assert.Equal(1, updated.Totals["b"]);
        Assert.True(updated.Version > onConnect.Version);
    }

    [Fact]
    public async Task Stream_ShowsAPollClosing()
    {
        var admin = _server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin);
        await Api.ResultsWhenAsync(admin, poll.Id, r => r.Status == "open");
        using var timeout = new CancellationTokenSource(Deadline * 2);
        using var client = _server.Client();
        using var response = await client.GetAsync($"/v1/polls/{poll.Id}/results/stream", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var events = new SseReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        Assert.Equal("open", (await events.NextResultsAsync(Deadline)).Status);

        (await Api.ClosePollAsync(admin, poll.Id)).EnsureSuccessStatusCode();

        Assert.Equal("closed", (await events.NextResultsWhereAsync(r => r.Status == "closed", Deadline)).Status);
    }

    [Fact]
    public async Task Stream_EndsWhenTheServerIsStopping()
    {
        // A stream never ends by itself: unless it ends on shutdown, every connected screen holds a stopping server
        // for its whole shutdown timeout before the writer can drain and close the store.
        var poll = await Api.CreateOpenPollAsync(_server.AdminClient());
        using var timeout = new CancellationTokenSource(Deadline * 2);
        using var client = _server.Client();
        using var response = await client.GetAsync($"/v1/polls/{poll.Id}/results/stream", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var events = new SseReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        await events.NextResultsAsync(Deadline);

        _server.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        await Assert.ThrowsAsync<EndOfStreamException>(() => events.NextResultsAsync(Deadline));
    }
}
