using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LiveVote.Server.Tests.Hosting;

/// <summary>
/// One TCP connection to the server from a chosen loopback address (all of 127.0.0.0/8 is loopback on Linux, so
/// 127.66.0.1 is another client network than 127.0.0.1), written and read byte by byte: what a slowloris client or a
/// connection flood does, which HttpClient would never do.
/// </summary>
public sealed class RawConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;

    private RawConnection(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>Connects from <paramref name="localAddress"/> to the server's port on 127.0.0.1 or on <paramref name="server"/>'s host.</summary>
    public static async Task<RawConnection> OpenAsync(Uri server, string localAddress, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Parse(localAddress), 0));
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(server.Host), server.Port), cancellationToken);
            return new RawConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Writes <paramref name="text"/>; false when the server has closed the connection already.</summary>
    public async Task<bool> TrySendAsync(string text, CancellationToken cancellationToken)
    {
        try
        {
            await _stream.WriteAsync(Encoding.ASCII.GetBytes(text), cancellationToken);
            await _stream.FlushAsync(cancellationToken);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The status line of the next answer ("HTTP/1.1 200 OK"), or null when the server closed the connection instead.</summary>
    public async Task<string?> ReadStatusLineAsync(CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        var buffer = new byte[1];
        try
        {
            while (true)
            {
                if (await _stream.ReadAsync(buffer, cancellationToken) == 0)
                {
                    return line.Length > 0 ? line.ToString() : null;
                }

                if (buffer[0] == '\n')
                {
                    return line.ToString().TrimEnd('\r');
                }

                line.Append((char)buffer[0]);
            }
        }
        catch (IOException)
        {
            return line.Length > 0 ? line.ToString() : null;
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes (an <see cref="EndOfStreamException"/> if the server closes first).</summary>
    public async Task<byte[]> ReadBytesAsync(int count, CancellationToken cancellationToken)
    {
        var bytes = new byte[count];
        await _stream.ReadExactlyAsync(bytes, cancellationToken);
        return bytes;
    }

    /// <summary>Reads until the server closes the connection; returns what it sent first (its answer, if any).</summary>
    public async Task<string> ReadUntilClosedAsync(CancellationToken cancellationToken)
    {
        var received = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await _stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                received.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
        }
        catch (IOException)
        {
            // Reset by the server: closed as well.
        }

        return received.ToString();
    }

    /// <summary>
    /// Sends a whole <c>GET <paramref name="path"/></c> and reads its status line: null when the server closed the
    /// connection instead of answering (a refused connection).
    /// </summary>
    public async Task<string?> GetAsync(string path, CancellationToken cancellationToken) =>
        await TrySendAsync($"GET {path} HTTP/1.1\r\nHost: livevote\r\n\r\n", cancellationToken) ? await ReadStatusLineAsync(cancellationToken) : null;

    public void Dispose() => _stream.Dispose();
}

/// <summary>An HttpClient whose connections come from <c>localAddress</c>, to a server at any loopback address.</summary>
public static class ClientFrom
{
    public static HttpClient Address(Uri server, string localAddress, bool admin = false)
    {
        var local = IPAddress.Parse(localAddress);
        var handler = new SocketsHttpHandler
        {
            UseCookies = false,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(local, 0));
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(context.DnsEndPoint.Host), context.DnsEndPoint.Port), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        var client = new HttpClient(handler) { BaseAddress = server, Timeout = TimeSpan.FromSeconds(30) };
        if (admin)
        {
            client.DefaultRequestHeaders.Add("X-Admin-Key", Infrastructure.LiveVoteServer.AdminKey);
        }

        return client;
    }
}
