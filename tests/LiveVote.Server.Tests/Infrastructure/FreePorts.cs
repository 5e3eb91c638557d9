using System.Net;
using System.Net.Sockets;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>Loopback ports for servers the tests start: never fixed, so parallel tests and other fleets never collide.</summary>
internal static class FreePorts
{
    /// <summary>A TCP port the system just handed out on 127.0.0.1 (bound once, then released for the server).</summary>
    public static int Tcp()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
