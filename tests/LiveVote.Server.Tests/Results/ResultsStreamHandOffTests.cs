using System.Diagnostics;
using System.Globalization;
using System.Text;
using LiveVote.Server.Results;
using LiveVote.Server.Tests.Hosting;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LiveVote.Server.Tests.Results;

/// <summary>
/// A results stream on HTTP/1.1 takes its connection from Kestrel's HTTP layer once its headers are out
/// (<c>IConnectionHandOffFeature</c>): its request ends, and the stream goes on writing HTTP/1.1 chunks on the connection.
/// Read byte by byte on raw connections, as the wire carries it; real Kestrel.
/// </summary>
public sealed class ResultsStreamHandOffTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly LiveVoteServer _server = new();
    private readonly HttpClient _admin;
    private readonly CancellationTokenSource _timeout = new(Deadline);

    public ResultsStreamHandOffTests() => _admin = _server.AdminClient();

    public void Dispose()
    {
        _timeout.Dispose();
        _admin.Dispose();
        _server.Dispose();
    }

    [Fact]
    public async Task AStream_EndsItsRequest_ThenKeepsWritingChunksOfEachNewSnapshot()
    {
        var poll = await Api.CreateOpenPollAsync(_admin, "a", "b");
        var viewer = await Api.RegisterAsync(_admin);
        var traceId = ActivityTraceId.CreateRandom();
        var requestOver = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var requests = ListenToRequests(traceId, requestOver);
        using var connection = await OpenAsync();

        await SendAsync(connection, $"GET /v1/polls/{poll.Id}/results/stream HTTP/1.1\r\nHost: livevote\r\ntraceparent: 00-{traceId}-{ActivitySpanId.CreateRandom()}-01\r\n\r\n");

        var headers = await ReadHeadersAsync(connection);
        Assert.Equal("HTTP/1.1 200 OK", headers[0]);
        Assert.Contains("Transfer-Encoding: chunked", headers);
        Assert.Contains("Content-Type: text/event-stream", headers);
        Assert.Contains("X-Content-Type-Options: nosniff", headers);
        Assert.Equal("retry: 1000\n\n", await ReadChunkAsync(connection));
        Assert.Contains("\"total\":0", await ReadChunkAsync(connection), StringComparison.Ordinal);

        // The request is over (its activity stopped) while the stream is open and still delivers.
        await requestOver.Task.WaitAsync(_timeout.Token);
        (await Api.VoteAsync(_admin, poll.Id, viewer.Token, "b")).EnsureSuccessStatusCode();
        var next = await ReadChunkAsync(connection);
        while (next.StartsWith(':'))
        {
            next = await ReadChunkAsync(connection);
        }

        Assert.StartsWith("event: results\ndata: {", next, StringComparison.Ordinal);
        Assert.Contains("\"b\":1", next, StringComparison.Ordinal);
        Assert.EndsWith("}\n\n", next, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStreamAfterAnotherRequestOnTheSameConnection_IsHandedOffToo_AndBytesSentAfterItAreIgnored()
    {
        var poll = await Api.CreateOpenPollAsync(_admin, "a", "b");
        var viewer = await Api.RegisterAsync(_admin);
        await Api.ResultsWhenAsync(_admin, poll.Id, r => r.Status == "open");
        using var connection = await OpenAsync();

        await SendAsync(connection, $"GET /v1/polls/{poll.Id}/results HTTP/1.1\r\nHost: livevote\r\n\r\n");
        var first = await ReadHeadersAsync(connection);
        Assert.Equal("HTTP/1.1 200 OK", first[0]);
        var length = int.Parse(first.Single(h => h.StartsWith("Content-Length: ", StringComparison.Ordinal))["Content-Length: ".Length..], CultureInfo.InvariantCulture);
        await connection.ReadBytesAsync(length, _timeout.Token);

        // The stream's request, a pipelined request after it and some junk: the stream owns the connection from its headers on.
        await SendAsync(connection, $"GET /v1/polls/{poll.Id}/results/stream HTTP/1.1\r\nHost: livevote\r\n\r\nGET /healthz HTTP/1.1\r\nHost: livevote\r\n\r\n\u0001junk");
        Assert.Equal("HTTP/1.1 200 OK", (await ReadHeadersAsync(connection))[0]);
        Assert.Equal("retry: 1000\n\n", await ReadChunkAsync(connection));
        Assert.Contains("\"total\":0", await ReadChunkAsync(connection), StringComparison.Ordinal);

        (await Api.VoteAsync(_admin, poll.Id, viewer.Token, "a")).EnsureSuccessStatusCode();
        string next;
        do
        {
            next = await ReadChunkAsync(connection);
        }
        while (!next.Contains("\"total\":1", StringComparison.Ordinal));

        Assert.Contains("\"a\":1", next, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerStopping_EndsAStreamWithTheBodysLastChunk_ThenClosesTheConnection()
    {
        var poll = await Api.CreateOpenPollAsync(_admin, "a", "b");
        await Api.ResultsWhenAsync(_admin, poll.Id, r => r.Status == "open");
        using var connection = await OpenAsync();
        await SendAsync(connection, $"GET /v1/polls/{poll.Id}/results/stream HTTP/1.1\r\nHost: livevote\r\n\r\n");
        await ReadHeadersAsync(connection);
        await ReadChunkAsync(connection);
        await ReadChunkAsync(connection);

        _server.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        var rest = await connection.ReadUntilClosedAsync(_timeout.Token);
        Assert.EndsWith("0\r\n\r\n", rest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AClientLeaving_EndsItsHandedOffStream_AndGivesBackItsPlace()
    {
        var poll = await Api.CreateOpenPollAsync(_admin, "a", "b");
        await Api.ResultsWhenAsync(_admin, poll.Id, r => r.Status == "open");
        var limiter = _server.Services.GetRequiredService<StreamLimiter>();
        var hub = _server.Services.GetRequiredService<ResultsHub>();
        using (var connection = await OpenAsync())
        {
            await SendAsync(connection, $"GET /v1/polls/{poll.Id}/results/stream HTTP/1.1\r\nHost: livevote\r\n\r\n");
            await ReadHeadersAsync(connection);
            await ReadChunkAsync(connection);
            await ReadChunkAsync(connection);
            Assert.Equal(1, limiter.Open);
            Assert.Equal(1, hub.SubscriberCount);
        }

        await Condition.WaitAsync(() => limiter.Open == 0 && hub.SubscriberCount == 0);
    }

    [Fact]
    public async Task AnHttp10Stream_IsWrittenThroughItsRequest_Unchunked_UntilTheConnectionCloses()
    {
        var poll = await Api.CreateOpenPollAsync(_admin, "a", "b");
        await Api.ResultsWhenAsync(_admin, poll.Id, r => r.Status == "open");
        using var connection = await OpenAsync();

        await SendAsync(connection, $"GET /v1/polls/{poll.Id}/results/stream HTTP/1.0\r\nHost: livevote\r\n\r\n");

        var headers = await ReadHeadersAsync(connection);
        Assert.Equal("HTTP/1.1 200 OK", headers[0]);
        Assert.DoesNotContain("Transfer-Encoding: chunked", headers);
        Assert.Equal("retry: 1000", await connection.ReadStatusLineAsync(_timeout.Token));
        Assert.Equal(string.Empty, await connection.ReadStatusLineAsync(_timeout.Token));
        Assert.Equal("event: results", await connection.ReadStatusLineAsync(_timeout.Token));
    }

    private async Task<RawConnection> OpenAsync() => await RawConnection.OpenAsync(_server.Client().BaseAddress!, "127.0.0.1", _timeout.Token);

    private async Task SendAsync(RawConnection connection, string request) =>
        Assert.True(await connection.TrySendAsync(request, _timeout.Token), "The server closed the connection.");

    /// <summary>The status line and the header lines, up to the blank line.</summary>
    private async Task<List<string>> ReadHeadersAsync(RawConnection connection)
    {
        var lines = new List<string>();
        while (await connection.ReadStatusLineAsync(_timeout.Token) is { Length: > 0 } line)
        {
            lines.Add(line);
        }

        return lines;
    }

    /// <summary>One chunk of a chunked body: its hex size line, its bytes, CRLF.</summary>
    private async Task<string> ReadChunkAsync(RawConnection connection)
    {
        var sizeLine = await connection.ReadStatusLineAsync(_timeout.Token) ?? throw new EndOfStreamException("The server closed the stream.");
        var size = int.Parse(sizeLine, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var chunk = await connection.ReadBytesAsync(size + 2, _timeout.Token);
        Assert.Equal("\r\n", Encoding.ASCII.GetString(chunk, size, 2));
        return Encoding.UTF8.GetString(chunk, 0, size);
    }

    /// <summary>Completes <paramref name="stopped"/> when the server's request activity of <paramref name="traceId"/> stops.</summary>
    private static ActivityListener ListenToRequests(ActivityTraceId traceId, TaskCompletionSource stopped)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> options) =>
                options.Parent.TraceId == traceId ? ActivitySamplingResult.AllDataAndRecorded : ActivitySamplingResult.None,
            ActivityStopped = activity =>
            {
                if (activity.TraceId == traceId)
                {
                    stopped.TrySetResult();
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}
