using System.Net.Security;
using System.Net.Sockets;

namespace LiveVote.Cli.Loadgen.RawHttp;

/// <summary>A whole response: its head and body (the body valid until the connection's next request).</summary>
internal readonly record struct RawResponse(ResponseHead Head, ReadOnlyMemory<byte> Body);

/// <summary>
/// One keep-alive HTTP/1.1 connection that sends a request already laid out as bytes and reads its answer, one at a
/// time (no pipelining). Why not HttpClient: its per-request work (request and header objects, header validation and
/// parsing, the redirect and diagnostics handlers) cost the load generator about as much CPU per vote as a third of
/// the server's (bench/README.md, "wrk and the load generator"), CPU taken from the server it measures on 2 cores.
/// Transport failures surface as <see cref="HttpRequestException"/>, as they did from HttpClient, so the vote sender
/// retries the same vote.
/// </summary>
internal sealed class VoteConnection : IAsyncDisposable
{
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(60);
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly CancellationTokenSource _deadline = new();
    private byte[] _send = new byte[1024];
    private byte[] _receive = new byte[4096];
    private int _received;
    private int _consumed;

    private VoteConnection(Socket socket, Stream stream)
    {
        _socket = socket;
        _stream = stream;
    }

    /// <summary>The buffer a request is laid out in before <see cref="SendAsync"/>; at least <paramref name="length"/> bytes.</summary>
    public Span<byte> RequestBuffer(int length)
    {
        if (_send.Length < length)
        {
            _send = new byte[Math.Max(length, _send.Length * 2)];
        }

        return _send;
    }

    public static async Task<VoteConnection> OpenAsync(Uri url, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(url.DnsSafeHost, url.Port, cancellationToken).ConfigureAwait(false);
            Stream stream = new NetworkStream(socket, ownsSocket: false);
            if (url.Scheme == Uri.UriSchemeHttps)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = url.IdnHost }, cancellationToken).ConfigureAwait(false);
                stream = tls;
            }

            return new VoteConnection(socket, stream);
        }
        catch (Exception e) when (e is SocketException or IOException or System.Security.Authentication.AuthenticationException)
        {
            socket.Dispose();
            throw new HttpRequestException($"Could not connect to {url.Authority}: {e.Message}", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends the first <paramref name="length"/> bytes of the request buffer and reads the whole answer.</summary>
    public async ValueTask<RawResponse> SendAsync(int length, CancellationToken cancellationToken)
    {
        // The previous answer's bytes are done with (its body was read before this call).
        Compact();
        _deadline.CancelAfter(AnswerTimeout);
        using var abort = cancellationToken.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), _deadline);
        try
        {
            await _stream.WriteAsync(_send.AsMemory(0, length), _deadline.Token).ConfigureAwait(false);
            while (true)
            {
                if (_received > _consumed &&
                    HttpResponseParser.TryParse(_receive.AsMemory(_consumed, _received - _consumed), atEnd: false, out var head, out var body, out var used))
                {
                    _consumed += used;
                    return new RawResponse(head, body);
                }

                if (_received == _receive.Length)
                {
                    Grow();
                }

                var read = await _stream.ReadAsync(_receive.AsMemory(_received), _deadline.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    if (_received > _consumed &&
                        HttpResponseParser.TryParse(_receive.AsMemory(_consumed, _received - _consumed), atEnd: true, out var last, out var lastBody, out var lastUsed))
                    {
                        _consumed += lastUsed;
                        return new RawResponse(last with { ConnectionClose = true }, lastBody);
                    }

                    throw new HttpRequestException("The server closed the connection before answering.");
                }

                _received += read;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException e)
        {
            throw new HttpRequestException($"No answer within {AnswerTimeout.TotalSeconds:F0} s.", e);
        }
        catch (Exception e) when (e is IOException or SocketException or FormatException or ObjectDisposedException)
        {
            throw new HttpRequestException(e.Message, e);
        }
        finally
        {
            // A reused connection gets a fresh deadline; a cancelled one is never reused (its caller drops it).
            _deadline.TryReset();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
        _deadline.Dispose();
    }

    private void Compact()
    {
        var left = _received - _consumed;
        if (left > 0 && _consumed > 0)
        {
            Buffer.BlockCopy(_receive, _consumed, _receive, 0, left);
        }

        _received = left;
        _consumed = 0;
    }

    private void Grow()
    {
        if (_consumed > 0)
        {
            Compact();
            return;
        }

        Array.Resize(ref _receive, _receive.Length * 2);
    }
}
