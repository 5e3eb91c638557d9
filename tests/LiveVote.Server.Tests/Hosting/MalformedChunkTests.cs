using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Hosting;

/// <summary>
/// A chunk size with more hex digits than fit an int: Kestrel reports it as a plain IOException, not the
/// BadHttpRequestException of other framing errors, and it once reached the client as a 500 (HostileInputTests seed
/// 452125366). It is the client's malformed body: 400.
/// </summary>
public sealed class MalformedChunkTests
{
    [Fact]
    public async Task VoteWithAnOverflowingChunkSize_IsAnswered400()
    {
        await using var server = new LiveVoteServer();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var connection = await RawConnection.OpenAsync(server.Client().BaseAddress!, "127.0.0.1", timeout.Token);

        Assert.True(await connection.TrySendAsync(
            "POST /v1/polls/p-abc123/votes HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "FFFFFFFFFFFFFFFF\r\n{}\r\n0\r\n\r\n", timeout.Token));

        Assert.StartsWith("HTTP/1.1 400", await connection.ReadStatusLineAsync(timeout.Token), StringComparison.Ordinal);
    }
}
