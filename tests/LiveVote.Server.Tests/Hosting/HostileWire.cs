using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LiveVote.Server.Tests.Hosting;

/// <summary>
/// Sends hostile requests to a real Kestrel on loopback and reads the answers, from many client addresses (all of
/// 127.0.0.0/8 is loopback on Linux): raw requests on a socket of their own, the others through HttpClients with
/// pooled keep-alive connections, so a request that leaves a connection in a bad state meets the next one.
/// </summary>
internal sealed class HostileWire : IDisposable
{
    /// <summary>What a request got: the status (0 when the server closed without answering) and the answer's text (capped).</summary>
    public readonly record struct Answer(int Status, string Text, string? ContentType, bool FromApplication);

    private const int ClientNetworks = 8;
    private readonly Uri _server;
    private readonly HttpClient[] _clients;

    public HostileWire(Uri server)
    {
        _server = server;
        _clients = [.. Enumerable.Range(0, ClientNetworks).Select(i => new HttpClient(new SocketsHttpHandler
        {
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            MaxConnectionsPerServer = 4,
            ConnectCallback = (context, cancellationToken) => ConnectAsync(Address(i), context.DnsEndPoint.Port, cancellationToken),
        })
        {
            BaseAddress = server,
            Timeout = TimeSpan.FromSeconds(30),
        })];
    }

    public Task<Answer> SendAsync(HostileRequest request) =>
        request.Raw is { } raw ? SendRawAsync(raw, Address(request.Index)) : SendWithClientAsync(_clients[request.Index % _clients.Length], request);

    public void Dispose()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }
    }

    /// <summary>Client addresses 127.20.0.1 .. 127.59.0.7: forty /24 networks, several hosts each.</summary>
    private static IPAddress Address(int index) => IPAddress.Parse($"127.{20 + (index % 40)}.0.{1 + (index % 7)}");

    private static async ValueTask<Stream> ConnectAsync(IPAddress local, int port, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Bind(new IPEndPoint(local, 0));
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task<Answer> SendWithClientAsync(HttpClient client, HostileRequest request)
    {
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), request.Target);
        if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(request.Body);
        }

        foreach (var (name, value) in request.Headers)
        {
            if (!message.Headers.TryAddWithoutValidation(name, value) && message.Content is not null)
            {
                message.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        try
        {
            using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead);
            var contentType = response.Content.Headers.ContentType?.ToString();
            var text = contentType?.StartsWith("text/event-stream", StringComparison.Ordinal) == true
                ? ""
                : await ReadCappedAsync(await response.Content.ReadAsStreamAsync(), CancellationToken.None);
            return new Answer((int)response.StatusCode, text, contentType, response.Headers.Contains("X-Content-Type-Options"));
        }
        catch (Exception e) when (e is HttpRequestException or InvalidOperationException or FormatException or TaskCanceledException)
        {
            // HttpClient refused to send it, or the server closed the connection on a request it could not parse.
            return new Answer(0, "", null, false);
        }
    }

    /// <summary>Writes the bytes as they are from <paramref name="local"/> and reads the answer.</summary>
    private async Task<Answer> SendRawAsync(byte[] request, IPAddress local)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var stream = await ConnectAsync(local, _server.Port, timeout.Token);
        try
        {
            // No half-close after writing: Kestrel takes a client's FIN for a disconnect and would not answer.
            await stream.WriteAsync(request, timeout.Token);
        }
        catch (IOException)
        {
            // The server may refuse and close before everything was written; its answer is read below.
        }

        var answer = await ReadCappedAsync(stream, timeout.Token);

        // Interim answers (100 Continue) come before the real one.
        while (answer.StartsWith("HTTP/1.1 1", StringComparison.Ordinal) && answer.IndexOf("\r\n\r\n", StringComparison.Ordinal) is var end and > 0)
        {
            answer = answer[(end + 4)..];
        }

        if (!answer.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) || answer.Length < 12 ||
            !int.TryParse(answer.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture, out var status))
        {
            return new Answer(0, answer, null, false);
        }

        var head = answer.IndexOf("\r\n\r\n", StringComparison.Ordinal) is var headEnd and > 0 ? answer[..headEnd] : answer;
        var contentType = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase))?[13..].Trim();
        return new Answer(status, answer, contentType, head.Contains("\r\nX-Content-Type-Options:", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// Reads until the server closes (every raw request says Connection: close), 64 KiB, the end of an event stream's
    /// headers (it never ends), or 10 s, whichever is first.
    /// </summary>
    private static async Task<string> ReadCappedAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        var total = 0;
        try
        {
            using var cap = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cap.CancelAfter(TimeSpan.FromSeconds(10));
            int read;
            while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cap.Token)) > 0)
            {
                total += read;
                if (IsEventStreamHead(buffer.AsSpan(0, total)))
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or HttpRequestException)
        {
            // A reset after the answer, or an endless stream: what was read is the answer.
        }

        return Encoding.UTF8.GetString(buffer, 0, total);
    }

    private static bool IsEventStreamHead(ReadOnlySpan<byte> read)
    {
        var end = read.IndexOf("\r\n\r\n"u8);
        return end > 0 && read[..end].IndexOf("text/event-stream"u8) >= 0;
    }
}
