using System.Net.Sockets;
using System.Text;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Hosting;

/// <summary>
/// Methods are case-sensitive: "head" is not HEAD. Kestrel gives "head" an answer with a body while the static files
/// answered it as a HEAD, which ended in a 500; any case of HEAD but HEAD itself is now 400 problem+json.
/// </summary>
public sealed class HeadMethodCaseTests(PopulatedServer fixture) : IClassFixture<PopulatedServer>
{
    [Theory]
    [InlineData("head", "/js/dom.js")]
    [InlineData("Head", "/index.html")]
    [InlineData("hEAD", "/")]
    [InlineData("head", "/healthz")]
    [InlineData("head", "/v1/polls")]
    public async Task AnyCaseOfHeadButHead_Is400Problem(string method, string path)
    {
        var answer = await SendAsync($"{method} {path}");

        Assert.StartsWith("HTTP/1.1 400 ", answer, StringComparison.Ordinal);
        Assert.Contains("Content-Type: application/problem+json", answer, StringComparison.Ordinal);
        Assert.Contains("\"code\":\"invalid-request\"", answer, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/js/dom.js")]
    [InlineData("/index.html")]
    public async Task Head_IsAnsweredWithoutABody(string path)
    {
        var answer = await SendAsync($"HEAD {path}");

        Assert.StartsWith("HTTP/1.1 200 ", answer, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n", answer, StringComparison.Ordinal);
    }

    private async Task<string> SendAsync(string requestLine)
    {
        var address = fixture.Server.Client().BaseAddress!;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"{requestLine} HTTP/1.1\r\nHost: {address.Authority}\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }
}
