using System.Net;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Hosting;

/// <summary>
/// Slow clients hold connections without sending (slowloris) or without reading: the server cuts them, while a healthy
/// idle results stream, which only gets a keep-alive comment now and then, is never cut.
/// </summary>
public sealed class SlowClientTests
{
    private const string SlowClient = "127.66.0.1";

    // A bound on the test, not a measurement: the server cuts these connections after about two seconds.
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task HeadersThatNeverEnd_TheServerClosesTheConnection()
    {
        await using var server = new LiveVoteServer(new() { ["LiveVote:Connections:RequestHeadersTimeout"] = "00:00:02" });
        using var timeout = new CancellationTokenSource(Deadline);
        using var slow = await RawConnection.OpenAsync(server.Client().BaseAddress!, SlowClient, timeout.Token);

        Assert.True(await slow.TrySendAsync("GET /healthz HTTP/1.1\r\nHost: livevote\r\nX-Slow: 1\r\n", timeout.Token));
        var answer = await slow.ReadUntilClosedAsync(timeout.Token);

        Assert.False(timeout.IsCancellationRequested, "The connection was still open at the test's deadline.");
        Assert.True(answer.Length == 0 || answer.StartsWith("HTTP/1.1 408", StringComparison.Ordinal), answer);
        Assert.Equal(HttpStatusCode.OK, (await server.Client().GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task ABodyThatTrickles_TheServerClosesTheConnection()
    {
        await using var server = new LiveVoteServer(new()
        {
            ["LiveVote:Connections:MinRequestBodyBytesPerSecond"] = "1024",
            ["LiveVote:Connections:MinDataRateGracePeriod"] = "00:00:02",
        });
        using var timeout = new CancellationTokenSource(Deadline);
        using var slow = await RawConnection.OpenAsync(server.Client().BaseAddress!, SlowClient, timeout.Token);

        // A registration body announced at 4,000 bytes, of which one arrives.
        Assert.True(await slow.TrySendAsync(
            "POST /v1/viewers HTTP/1.1\r\nHost: livevote\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{", timeout.Token));
        var answer = await slow.ReadUntilClosedAsync(timeout.Token);

        Assert.False(timeout.IsCancellationRequested, "The connection was still open at the test's deadline.");
        Assert.True(answer.Length == 0 || answer.StartsWith("HTTP/1.1 408", StringComparison.Ordinal), answer);
    }

    [Fact]
    public async Task AnIdleResultsStream_IsNotCutByTheResponseRate()
    {
        // The least response rate is far above what keep-alive comments deliver (14 bytes a second): were it measured
        // over the stream's life rather than over writes that wait, the stream would be cut after the grace period.
        await using var server = new LiveVoteServer(new()
        {
            ["LiveVote:Results:KeepAliveSeconds"] = "1",
            ["LiveVote:Connections:MinResponseBytesPerSecond"] = "1000000",
            ["LiveVote:Connections:MinDataRateGracePeriod"] = "00:00:01.500",
        });
        using var admin = server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin, "a", "b");
        var voter = await Api.RegisterAsync(admin);
        using var timeout = new CancellationTokenSource(Deadline);
        using var viewer = server.Client();
        using var response = await viewer.GetAsync($"/v1/polls/{poll.Id}/results/stream", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var lines = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));

        // Five keep-alives: over five seconds idle, more than three grace periods.
        var keepAlives = 0;
        while (keepAlives < 5)
        {
            var line = await lines.ReadLineAsync(timeout.Token) ?? throw new EndOfStreamException("The server closed the idle stream.");
            keepAlives += line == ": keep-alive" ? 1 : 0;
        }

        (await Api.VoteAsync(admin, poll.Id, voter.Token, "a")).EnsureSuccessStatusCode();
        while (true)
        {
            var line = await lines.ReadLineAsync(timeout.Token) ?? throw new EndOfStreamException("The server closed the stream.");
            if (line.StartsWith("data: ", StringComparison.Ordinal) &&
                System.Text.Json.JsonSerializer.Deserialize(line["data: ".Length..], ContractsJsonContext.Default.ResultsDto)!.Total == 1)
            {
                break;
            }
        }
    }
}
