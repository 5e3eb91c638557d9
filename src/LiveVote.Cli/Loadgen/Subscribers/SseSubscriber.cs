using System.Buffers.Text;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace LiveVote.Cli.Loadgen.Subscribers;

/// <summary>Where a subscriber's stream stands.</summary>
internal enum SubscriberState : byte
{
    Connecting,

    /// <summary>200 and streaming.</summary>
    Open,

    /// <summary>Answered with another status (429 when the node's streams are full).</summary>
    Refused,

    /// <summary>Could not connect, or the connection broke before an answer.</summary>
    Failed,

    /// <summary>Was open, then ended (closed by the server, reset) before the run stopped it.</summary>
    Dropped,
}

/// <summary>
/// One results stream over a raw socket: one connection, one GET, then SSE parsed straight from the receive buffer
/// (<see cref="SseStreamParser"/>). HttpClient's per-request machinery costs several KiB and a task chain per stream;
/// at 19,000 streams the client would cost more than the server it measures. Each results event's <c>version</c> and
/// the receipt's timestamp are recorded; the first event is the snapshot on connect.
/// </summary>
internal sealed class SseSubscriber : ISseSink, IDisposable
{
    private readonly SseStreamParser _parser;
    private readonly PublicationBook _publications;
    private readonly List<long> _versions = [];
    private readonly List<long> _receivedAt = [];
    private long _now;
    private Socket? _socket;
    private volatile bool _stopped;
    private long _lastVersion = -1;

    public void Dispose() => Stop();

    public SseSubscriber(PublicationBook publications)
    {
        _publications = publications;
        _parser = new SseStreamParser(this);
    }

    public SubscriberState State { get; private set; }

    public int StatusCode => _parser.StatusCode;

    public long KeepAlives { get; private set; }

    /// <summary>Results events whose data had no version (protocol trouble, reported).</summary>
    public long Unreadable { get; private set; }

    /// <summary>Stopwatch timestamp of the end (drop or stop).</summary>
    public long EndedAt { get; private set; }

    /// <summary>The version of the last results event received (-1 before the first); safe to read while streaming.</summary>
    public long LastVersion => Volatile.Read(ref _lastVersion);

    /// <summary>The version of each results event received, in order of receipt (read it once the stream is stopped).</summary>
    public IReadOnlyList<long> Versions => _versions;

    /// <summary>The Stopwatch timestamp of each event's receipt (the receive call that completed it).</summary>
    public IReadOnlyList<long> ReceivedAt => _receivedAt;

    /// <summary>
    /// Connects and reads until the server answers (returns: the caller may open the next stream), then keeps reading in
    /// <paramref name="reading"/> until the stream ends or <see cref="Stop"/>.
    /// </summary>
    public async Task<Task> OpenAsync(IPEndPoint server, ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        try
        {
            _socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await _socket.ConnectAsync(server, cancellationToken).ConfigureAwait(false);
            await _socket.SendAsync(request, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            while (!_parser.HeadComplete)
            {
                if (!await ReceiveAsync(buffer).ConfigureAwait(false))
                {
                    End(SubscriberState.Failed);
                    return Task.CompletedTask;
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            End(SubscriberState.Failed);
            return Task.CompletedTask;
        }

        if (_parser.StatusCode != 200)
        {
            End(SubscriberState.Refused);
            return Task.CompletedTask;
        }

        State = SubscriberState.Open;
        return ReadAsync(buffer);
    }

    /// <summary>Ends the stream from this side: what follows is no drop.</summary>
    public void Stop()
    {
        if (State == SubscriberState.Open)
        {
            EndedAt = Stopwatch.GetTimestamp();
        }

        _stopped = true;
        _socket?.Dispose();
    }

    private async Task ReadAsync(byte[] buffer)
    {
        try
        {
            while (await ReceiveAsync(buffer).ConfigureAwait(false))
            {
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }

        if (!_stopped)
        {
            End(SubscriberState.Dropped);
        }
    }

    private async Task<bool> ReceiveAsync(byte[] buffer)
    {
        var read = await _socket!.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
        if (read == 0)
        {
            return false;
        }

        _now = Stopwatch.GetTimestamp();
        _parser.Feed(buffer.AsSpan(0, read));
        return !_parser.Ended && _parser.Error is null;
    }

    private void End(SubscriberState state)
    {
        State = state;
        EndedAt = Stopwatch.GetTimestamp();
        _socket?.Dispose();
    }

    void ISseSink.OnEvent(ReadOnlySpan<byte> eventName, ReadOnlySpan<byte> data, string? id)
    {
        if (!eventName.SequenceEqual("results"u8))
        {
            return;
        }

        if (!TryReadVersion(data, out var version))
        {
            Unreadable++;
            return;
        }

        _versions.Add(version);
        _receivedAt.Add(_now);
        Volatile.Write(ref _lastVersion, version);
        _publications.Observe(version, data, _now);
    }

    void ISseSink.OnComment() => KeepAlives++;

    /// <summary>The <c>"version":n</c> member of a results document, without parsing the rest.</summary>
    internal static bool TryReadVersion(ReadOnlySpan<byte> json, out long version)
    {
        version = 0;
        var at = json.IndexOf("\"version\":"u8);
        return at >= 0 && Utf8Parser.TryParse(json[(at + "\"version\":".Length)..].TrimStart((byte)' '), out version, out _);
    }
}
