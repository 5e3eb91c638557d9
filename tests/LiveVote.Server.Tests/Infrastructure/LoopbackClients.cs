using System.Net;
using System.Net.Sockets;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// Clients that connect from a chosen loopback address. On Linux all of 127.0.0.0/8 is loopback, so a client bound to
/// 127.7.0.1 reaches the test server as a different host, and one bound to 127.8.0.1 as a different /24 network:
/// many networks without any proxy header, through the server's real remote-address path.
/// </summary>
public static class LoopbackClients
{
    /// <summary>A client whose connections come from <paramref name="localAddress"/> (e.g. "127.7.0.1").</summary>
    public static HttpClient From(LiveVoteServer server, string localAddress)
    {
        var local = IPAddress.Parse(localAddress);
        var baseAddress = server.Client().BaseAddress!;
        var handler = new SocketsHttpHandler
        {
            UseCookies = false,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(local, 0));
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, context.DnsEndPoint.Port), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { BaseAddress = baseAddress };
    }

    /// <summary>The address of host <paramref name="host"/> (1..254) in test network <paramref name="network"/> (1..250): 127.{network}.0.{host}.</summary>
    public static string Address(int network, int host) => $"127.{network}.0.{host}";
}
