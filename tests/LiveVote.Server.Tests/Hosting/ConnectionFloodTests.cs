using System.Net;
using LiveVote.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace LiveVote.Server.Tests.Hosting;

/// <summary>
/// One client tries to take a node down by holding connections (issue 13, item 10): the real server as a child process,
/// so "the process never dies" means what it says, with small connection limits so that a few hundred raw TCP
/// connections from one loopback address go past them. The flood holds every connection it gets (its requests' headers
/// never end, as a slowloris client's); the extras are closed at once, and everyone else is still served.
/// </summary>
public sealed class ConnectionFloodTests(ITestOutputHelper output) : IDisposable
{
    private const string FloodAddress = "127.66.0.1";
    private const string FloodNeighbour = "127.66.0.2";
    private const string OtherClient = "127.77.0.1";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly string _folder = TempDirectory.Create("livevote-flood");

    public void Dispose() => TempDirectory.Delete(_folder);

    [Fact]
    public async Task OneAddressOpensMoreConnectionsThanItsNetworkMay_ExtrasAreClosed_OtherClientsVote_ProcessLives()
    {
        const int perNetwork = 100;
        const int attempts = 150;
        await using var server = await StartAsync(new()
        {
            ["LiveVote__Connections__MaxPerNode"] = "300",
            ["LiveVote__Connections__MaxPerNetwork"] = perNetwork.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        using var admin = server.Client(admin: true);
        var poll = await Api.CreateOpenPollAsync(admin, "a", "b");
        var voter = await Api.RegisterAsync(admin);
        using var timeout = new CancellationTokenSource(Deadline);

        var flood = await FloodAsync(server.BaseAddress, [FloodAddress], attempts, timeout.Token);
        try
        {
            var (held, closed) = await FinishAsync(flood, timeout.Token);
            output.WriteLine($"{attempts} connections from {FloodAddress}: {held} held and served, {closed} closed on accept.");

            Assert.Equal(perNetwork, held);
            Assert.Equal(attempts - perNetwork, closed);

            // The flood's network gets nothing more, from any of its addresses...
            using (var neighbour = await RawConnection.OpenAsync(server.BaseAddress, FloodNeighbour, timeout.Token))
            {
                Assert.Null(await neighbour.GetAsync("/v1/polls", timeout.Token));
            }

            // ...while every other client is served: health from the operator's address, a vote from another network.
            Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/healthz")).StatusCode);
            using (var other = ClientFrom.Address(server.BaseAddress, OtherClient))
            {
                Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(other, poll.Id, voter.Token, "b")).StatusCode);
            }

            Assert.Equal(attempts - perNetwork + 1, await ScrapedMetrics.WhenAsync(admin, "livevote_connections_rejected_total", "limit=\"network\"",
                value => value >= attempts - perNetwork + 1));
            Assert.True(await ScrapedMetrics.WhenAsync(admin, "livevote_connections_open", null, value => value >= perNetwork) >= perNetwork);
        }
        finally
        {
            Close(flood);
        }

        // Closed connections give their places back: the flood's address is served again.
        Assert.Equal("HTTP/1.1 200 OK", await ServedAgainAsync(server.BaseAddress, FloodAddress, timeout.Token));
        Assert.False(server.HasExited, server.Output);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/readyz")).StatusCode);
    }

    [Fact]
    public async Task ConnectionsPastTheNodeLimit_AreClosed_ConnectedClientsVote_ManagementListenerAnswers_ProcessLives()
    {
        const int perNode = 60;
        const int perNetwork = 20;
        string[] networks = ["127.66.0.1", "127.67.0.1", "127.68.0.1", "127.69.0.1", "127.70.0.1"];
        await using var server = await StartAsync(new()
        {
            ["LiveVote__Connections__MaxPerNode"] = perNode.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["LiveVote__Connections__MaxPerNetwork"] = perNetwork.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["LiveVote__Management__Urls"] = "http://127.0.0.2:0",
        });
        using var management = new HttpClient { BaseAddress = server.ManagementAddress, Timeout = TimeSpan.FromSeconds(30) };
        var (pollId, token) = await PrepareVoteAsync(server);

        // A viewer already connected before the flood: its connection is open (keep-alive) and stays usable.
        using var connected = ClientFrom.Address(server.BaseAddress, OtherClient);
        Assert.Equal(HttpStatusCode.OK, (await connected.GetAsync("/v1/polls")).StatusCode);
        using var timeout = new CancellationTokenSource(Deadline);

        // Each network opens exactly its own limit, so whatever is refused is refused by the node's.
        var flood = await FloodAsync(server.BaseAddress, networks, perNetwork, timeout.Token);
        try
        {
            var (held, closed) = await FinishAsync(flood, timeout.Token);
            output.WriteLine($"{flood.Count} connections from {networks.Length} networks: {held} held and served, {closed} closed on accept.");

            Assert.Equal(flood.Count, held + closed);
            Assert.True(held < perNode, $"{held} connections held past the node's limit of {perNode}.");
            Assert.True(closed >= flood.Count - perNode + 1, $"Only {closed} of {flood.Count} connections closed with a limit of {perNode}.");

            // The node is full: a new client is refused, the connected one still votes, the operator still sees all.
            using (var newcomer = await RawConnection.OpenAsync(server.BaseAddress, "127.88.0.1", timeout.Token))
            {
                Assert.Null(await newcomer.GetAsync("/v1/polls", timeout.Token));
            }

            Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(connected, pollId, token, "a")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await management.GetAsync("/healthz")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await management.GetAsync("/readyz")).StatusCode);
            Assert.True(await ScrapedMetrics.WhenAsync(management, "livevote_connections_rejected_total", "limit=\"node\"", value => value >= closed + 1) >= closed + 1);
            Assert.Equal(0, ScrapedMetrics.Sum(await management.GetStringAsync("/metrics"), "livevote_connections_rejected_total", "limit=\"network\""));
        }
        finally
        {
            Close(flood);
        }

        Assert.Equal("HTTP/1.1 200 OK", await ServedAgainAsync(server.BaseAddress, "127.88.0.1", timeout.Token));
        Assert.False(server.HasExited, server.Output);
    }

    private Task<ServerProcess> StartAsync(Dictionary<string, string> settings)
    {
        // The flood's connections wait in the middle of their headers while the test counts them: no timeout may close
        // them meanwhile (SlowClientTests checks those timeouts).
        settings["LiveVote__Connections__RequestHeadersTimeout"] = "00:05:00";
        settings["LiveVote__Connections__KeepAliveTimeout"] = "00:05:00";
        return ServerProcess.StartAsync(Path.Combine(_folder, "livevote.db"), settings);
    }

    private static async Task<(string PollId, string Token)> PrepareVoteAsync(ServerProcess server)
    {
        using var admin = server.Client(admin: true);
        var poll = await Api.CreateOpenPollAsync(admin, "a", "b");
        return (poll.Id, (await Api.RegisterAsync(admin)).Token);
    }

    /// <summary>Opens <paramref name="perAddress"/> connections from each address and starts a request on each that never ends its headers.</summary>
    private static async Task<List<RawConnection>> FloodAsync(Uri server, string[] addresses, int perAddress, CancellationToken cancellationToken)
    {
        var connections = new List<RawConnection>();
        foreach (var address in addresses)
        {
            for (var i = 0; i < perAddress; i++)
            {
                var connection = await RawConnection.OpenAsync(server, address, cancellationToken);
                connections.Add(connection);
                await connection.TrySendAsync("GET /v1/polls HTTP/1.1\r\nHost: flood\r\n", cancellationToken);
            }
        }

        return connections;
    }

    /// <summary>
    /// Ends every flood request: a held connection answers it (its place was kept all along, and it stays open,
    /// keep-alive), a refused one was closed on accept and answers nothing.
    /// </summary>
    private static async Task<(int Held, int Closed)> FinishAsync(List<RawConnection> flood, CancellationToken cancellationToken)
    {
        var answers = await Task.WhenAll(flood.Select(async connection =>
            await connection.TrySendAsync("\r\n", cancellationToken) ? await connection.ReadStatusLineAsync(cancellationToken) : null));
        Assert.All(answers.Where(a => a is not null), answer => Assert.Equal("HTTP/1.1 200 OK", answer));
        return (answers.Count(a => a is not null), answers.Count(a => a is null));
    }

    private static void Close(List<RawConnection> flood)
    {
        foreach (var connection in flood)
        {
            connection.Dispose();
        }
    }

    /// <summary>New connections from <paramref name="address"/> until one is served (the server notices closed connections as they close).</summary>
    private static async Task<string?> ServedAgainAsync(Uri server, string address, CancellationToken cancellationToken)
    {
        while (true)
        {
            using var connection = await RawConnection.OpenAsync(server, address, cancellationToken);
            if (await connection.GetAsync("/v1/polls", cancellationToken) is { } status)
            {
                return status;
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}
