using System.Text;
using LiveVote.Cli.Loadgen;
using LiveVote.Cli.Loadgen.RawHttp;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Cli.Tests.Loadgen.RawHttp;

/// <summary>The raw vote connection against the real server (real Kestrel): the answers the vote sender judges.</summary>
public sealed class VoteConnectionTests
{
    [Fact]
    public async Task SendAsync_FirstRetryAndSecondVote_Answers201Then200SameIdThen409OnOneConnection()
    {
        await using var server = new LiveVoteServer();
        var (template, token) = await OpenPollAndViewerAsync(server);
        await using var connection = await VoteConnection.OpenAsync(server.Client().BaseAddress!, CancellationToken.None);

        var first = await SendAsync(connection, template, token, 0);
        var firstId = VoteSender.VoteIdOf(first.Body);
        var retry = await SendAsync(connection, template, token, 0);
        var retryId = VoteSender.VoteIdOf(retry.Body);
        var second = await SendAsync(connection, template, token, 1);

        Assert.Equal(201, first.Head.Status);
        Assert.False(string.IsNullOrEmpty(firstId));
        Assert.Equal(200, retry.Head.Status);
        Assert.Equal(firstId, retryId);
        Assert.Equal(409, second.Head.Status);
        Assert.Contains("\"status\":409", Encoding.UTF8.GetString(second.Body), StringComparison.Ordinal);
        Assert.False(second.Head.ConnectionClose);
    }

    [Fact]
    public async Task SendAsync_ForgedToken_Answers401ProblemAndTheConnectionStillServes()
    {
        await using var server = new LiveVoteServer();
        var (template, token) = await OpenPollAndViewerAsync(server);
        await using var connection = await VoteConnection.OpenAsync(server.Client().BaseAddress!, CancellationToken.None);

        var forged = await SendAsync(connection, template, "not-a-token", 0);
        var forgedBody = Encoding.UTF8.GetString(forged.Body);
        var real = await SendAsync(connection, template, token, 1);

        Assert.Equal(401, forged.Head.Status);
        Assert.Contains("\"status\":401", forgedBody, StringComparison.Ordinal);
        Assert.Null(VoteSender.VoteIdOf(forged.Body));
        Assert.Equal(201, real.Head.Status);
    }

    [Fact]
    public async Task OpenAsync_ClosedPort_IsAnHttpRequestException()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        await Assert.ThrowsAsync<HttpRequestException>(() => VoteConnection.OpenAsync(new Uri($"http://127.0.0.1:{port}/"), CancellationToken.None));
    }

    [Fact]
    public async Task SendAsync_ServerClosesWithoutAnswering_IsAnHttpRequestException()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var url = new Uri($"http://127.0.0.1:{((System.Net.IPEndPoint)listener.LocalEndpoint).Port}/");
        await using var connection = await VoteConnection.OpenAsync(url, CancellationToken.None);
        using (var accepted = await listener.AcceptSocketAsync())
        {
            accepted.Close();
        }

        await Assert.ThrowsAsync<HttpRequestException>(async () => await SendAsync(connection, Template(url, "p"), "token", 0));
    }

    /// <summary>An open poll of options o1 and o2 on the server, the vote template for it, and a registered viewer's token.</summary>
    private static async Task<(VoteRequestTemplate Template, string Token)> OpenPollAndViewerAsync(LiveVoteServer server)
    {
        using var admin = server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin, "o1", "o2");
        var viewer = await Api.RegisterAsync(admin);
        return (Template(server.Client().BaseAddress!, poll.Id), viewer.Token);
    }

    private static VoteRequestTemplate Template(Uri url, string pollId) =>
        new(url, $"/v1/polls/{pollId}/votes", [Encoding.UTF8.GetBytes("{\"optionId\":\"o1\"}"), Encoding.UTF8.GetBytes("{\"optionId\":\"o2\"}")]);

    private static async Task<(ResponseHead Head, byte[] Body)> SendAsync(VoteConnection connection, VoteRequestTemplate template, string token, int option)
    {
        var length = template.Write(connection.RequestBuffer(template.Length(token, option)), token, option);
        var (head, body) = await connection.SendAsync(length, CancellationToken.None);
        return (head, body.ToArray());
    }
}
