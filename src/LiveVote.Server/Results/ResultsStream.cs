using System.IO.Pipelines;
using LiveVote.Server.Hosting;
using Microsoft.AspNetCore.Connections;

namespace LiveVote.Server.Results;

/// <summary>
/// One open results stream (SSE) of a poll, written by the poll's publications rather than by a loop of its own: the
/// request's task is <see cref="Run"/>'s, completed when the client leaves or the server begins to stop. An idle stream
/// is this object, its task and one registration on the request's abort token: no suspended async frame, no wait
/// promise, no per-stream timer (bench/README.md, "Fan-out: results streams").
/// <para>
/// At most one thread writes a stream at a time (<see cref="_busy"/>). A publication that finds the stream busy (a
/// write waiting for a slow client) is not queued: when that write completes, the stream writes the newest snapshot,
/// which contains every count before it, so a slow client skips versions instead of building a backlog.
/// </para>
/// <para>
/// A stream is written either through the request's body (Kestrel frames it) or, once the request's connection was handed
/// off (<see cref="IConnectionHandOffFeature"/>, <see cref="IConnectionTaker"/>), on the connection itself: then it
/// writes each frame as the HTTP/1.1 chunk Kestrel's response began with, and the last chunk when the server ends it.
/// Kestrel's least response rate no longer watches it then, so the stream cuts the connection itself when one write has
/// waited for the client through <see cref="StalledKeepAlives"/> keep-alive ticks.
/// </para>
/// </summary>
internal sealed class ResultsStream : IConnectionTaker
{
    // Each fixed frame as an HTTP/1.1 chunk (for a handed-off stream), the bare frame a slice of it.
    private static readonly (byte[] Chunk, ReadOnlyMemory<byte> Frame) KeepAliveComment = Fixed(": keep-alive\n\n"u8);

    // Tells EventSource to reconnect after one second when the connection drops.
    private static readonly (byte[] Chunk, ReadOnlyMemory<byte> Frame) RetryHint = Fixed("retry: 1000\n\n"u8);

    // The end of a chunked body: the stream ended cleanly (the server is stopping), and the client may reconnect.
    private static readonly byte[] LastChunk = "0\r\n\r\n"u8.ToArray();

    /// <summary>
    /// Keep-alive ticks one write of a handed-off stream may wait for the client through before the connection is cut:
    /// a frame is a few hundred bytes, so a write that waits at all means the client's socket buffers are full (it has
    /// not read for minutes, or its network is gone); two ticks (15-30 s at the default interval) leave a congested
    /// mobile link time to drain, and the cut gives back the socket's kernel buffers, which would otherwise stay full.
    /// </summary>
    internal const int StalledKeepAlives = 2;

    private readonly ResultsHub.PollResults _poll;
    private readonly PipeWriter _body;
    private readonly CancellationToken _aborted;
    private readonly IDisposable _place;
    private readonly CancellationToken _stopping;

    // The handed-off connection this stream writes on (null: written through a request's body).
    private readonly ConnectionContext? _connection;
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenRegistration _onAborted;
    private ResultsSnapshot? _delivered;
    private Exception? _error;
    private bool _hinted;

    // 1 while a write waits for the client; keep-alive ticks that found it waiting (reset when a write completes).
    private int _waiting;
    private int _stalledTicks;

    // 1 while one thread writes this stream or a write of it waits for the client; only that thread changes it to 0.
    private int _busy;

    // 1 once the client left, a write failed or the server began to stop.
    private int _ended;

    /// <summary>A stream written through a request's <paramref name="body"/>, ended by <paramref name="aborted"/> (the client left).</summary>
    internal ResultsStream(ResultsHub.PollResults poll, PipeWriter body, IDisposable place, CancellationToken aborted)
    {
        _poll = poll;
        _body = body;
        _aborted = aborted;
        _place = place;
    }

    /// <summary>
    /// A stream on a handed-off <paramref name="connection"/>, written as HTTP/1.1 chunks on its own output once
    /// <see cref="IConnectionTaker.RunAsync"/> starts it, ended when the client closes it or <paramref name="stopping"/>.
    /// </summary>
    internal ResultsStream(ResultsHub.PollResults poll, ConnectionContext connection, IDisposable place, CancellationToken stopping)
    {
        _poll = poll;
        _body = connection.Transport.Output;
        _aborted = connection.ConnectionClosed;
        _place = place;
        _connection = connection;
        _stopping = stopping;
    }

    /// <summary>The group of the poll's <see cref="StreamSet"/> that holds this stream, and its slot there (under the set's lock).</summary>
    internal StreamGroup? Group { get; set; }

    internal int Slot { get; set; }

    /// <summary>
    /// Writes the retry hint and the current snapshot, joins the poll's broadcast and returns the task the request waits
    /// on: it completes when the stream ends (client gone, server stopping), faulted if a write failed unexpectedly.
    /// </summary>
    public Task Run(CancellationToken stopping)
    {
        _busy = 1;
        _poll.Streams.Add(this);
        Interlocked.Increment(ref _poll.SubscriberCount);
        _onAborted = _aborted.UnsafeRegister(static state => ((ResultsStream)state!).End(null), this);

        // After joining: a server that begins to stop from now on ends this stream through the set (ResultsHub.EndStreams).
        if (stopping.IsCancellationRequested)
        {
            End(null);
        }

        WriteNewest(keepAlive: false);
        return _done.Task;
    }

    private static (byte[] Chunk, ReadOnlyMemory<byte> Frame) Fixed(ReadOnlySpan<byte> frame) => (ResultsSnapshot.Chunk(frame, out var inside), inside);

    // Written on the connection as HTTP/1.1 chunks (handed off), rather than through a body that frames them.
    private bool Chunked => _connection is not null;

    /// <summary>The connection was handed off to this stream: it runs until it ends, then the connection closes.</summary>
    Task IConnectionTaker.RunAsync() => Run(_stopping);

    /// <summary>A publication or a keep-alive tick: writes what is new unless another thread is writing this stream.</summary>
    public void Deliver(bool keepAlive)
    {
        if (Volatile.Read(ref _ended) == 0 && Interlocked.CompareExchange(ref _busy, 1, 0) == 0)
        {
            WriteNewest(keepAlive);
        }
        else if (keepAlive && _connection is not null && Volatile.Read(ref _waiting) == 1 && Interlocked.Increment(ref _stalledTicks) >= StalledKeepAlives)
        {
            // The socket's send fails, so the waiting write completes and ends the stream.
            _connection.Abort(new ConnectionAbortedException("The client has not read its results stream for two keep-alive intervals."));
        }
    }

    /// <summary>Ends the stream: leaves the broadcast and the limiter at once; the request's task completes when no write is under way.</summary>
    public void End(Exception? error)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return;
        }

        _error = error;
        _poll.Streams.Remove(this);
        Interlocked.Decrement(ref _poll.SubscriberCount);
        _onAborted.Unregister();
        _place.Dispose();
        if (Interlocked.CompareExchange(ref _busy, 1, 0) == 0)
        {
            Finish();
        }
    }

    /// <summary>
    /// With <see cref="_busy"/> held: writes until there is nothing newer than what the client was given, then lets go
    /// (or leaves it held while a write waits for the client; that write's completion continues here).
    /// </summary>
    private void WriteNewest(bool keepAlive)
    {
        while (true)
        {
            var frame = Volatile.Read(ref _ended) == 0 ? Next(ref keepAlive) : default;
            if (!frame.IsEmpty)
            {
                ValueTask<FlushResult> flush;
                try
                {
                    // The frame is formatted once per snapshot and shared by every stream; WriteAsync also flushes, and
                    // the pipe gives its block back once the transport has sent it.
                    flush = _body.WriteAsync(frame, _aborted);
                }
                catch (Exception e)
                {
                    Failed(e);
                    continue;
                }

                if (!flush.IsCompleted)
                {
                    // The client reads slower than we write: continue when the transport has drained the pipe. Only
                    // then is anything allocated for the wait.
                    Volatile.Write(ref _waiting, 1);
                    flush.AsTask().ContinueWith(
                        static (written, state) => ((ResultsStream)state!).Written(written), this,
                        CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                    return;
                }

                Check(flush);
                continue;
            }

            // Nothing to write: let go, then look again. A publication that found this stream busy is ours to write.
            Interlocked.Exchange(ref _busy, 0);
            if (Volatile.Read(ref _ended) != 0)
            {
                if (Interlocked.CompareExchange(ref _busy, 1, 0) == 0)
                {
                    Finish();
                }

                return;
            }

            var published = _poll.Published;
            if (published is null || ReferenceEquals(published, _delivered) || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
            {
                return;
            }
        }
    }

    /// <summary>The retry hint first, then the newest snapshot not yet written, else the keep-alive comment if asked; empty: nothing.</summary>
    private ReadOnlyMemory<byte> Next(ref bool keepAlive)
    {
        if (!_hinted)
        {
            _hinted = true;
            return Chunked ? RetryHint.Chunk : RetryHint.Frame;
        }

        var published = _poll.Published;
        if (published is not null && !ReferenceEquals(published, _delivered))
        {
            _delivered = published;
            keepAlive = false;
            return Chunked ? published.SseChunk : published.SseFrame;
        }

        if (keepAlive)
        {
            keepAlive = false;
            return Chunked ? KeepAliveComment.Chunk : KeepAliveComment.Frame;
        }

        return default;
    }

    private void Written(Task<FlushResult> written)
    {
        Volatile.Write(ref _stalledTicks, 0);
        Volatile.Write(ref _waiting, 0);
        if (written.IsCompletedSuccessfully)
        {
            Check(new ValueTask<FlushResult>(written.Result));
        }
        else
        {
            Failed(written.Exception?.InnerException ?? new OperationCanceledException(_aborted));
        }

        WriteNewest(keepAlive: false);
    }

    /// <summary>A completed write: a completed or cancelled pipe means the client is gone.</summary>
    private void Check(ValueTask<FlushResult> flush)
    {
        try
        {
            var result = flush.Result;
            if (result.IsCompleted || result.IsCanceled)
            {
                End(null);
            }
        }
        catch (Exception e)
        {
            Failed(e);
        }
    }

    /// <summary>A write that threw: the client going away is a normal end; anything else fails the request (and is logged there).</summary>
    private void Failed(Exception e) =>
        End(e is OperationCanceledException && _aborted.IsCancellationRequested ? null : e);

    private void Finish()
    {
        if (Chunked && _error is null && !_aborted.IsCancellationRequested)
        {
            // Ended by the server, not the client: the body's last chunk tells the client the response is complete (a
            // stream through the request's body gets it from Kestrel). Not awaited: the connection closes next anyway.
            try
            {
                var written = _body.WriteAsync(LastChunk, CancellationToken.None);
                if (!written.IsCompleted)
                {
                    _ = written.AsTask();
                }
            }
            catch (Exception e) when (e is InvalidOperationException or IOException)
            {
                // The connection is going away already: nothing to end.
            }
        }

        if (_error is null)
        {
            _done.TrySetResult();
        }
        else
        {
            _done.TrySetException(_error);
        }
    }
}
