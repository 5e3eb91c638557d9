using System.Collections;
using System.IO.Pipelines;
using System.Runtime.ExceptionServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace LiveVote.Server.Hosting;

/// <summary>
/// The connection as Kestrel's HTTP layer sees it on a public listener: the real connection, through which everything
/// passes until a handler hands it off (<see cref="IConnectionHandOffFeature"/>). From then on the HTTP layer reads an
/// ended request stream and its writes (the end of the chunked response it began) go nowhere, so it lets go of the
/// connection; then <see cref="ServeAsync"/> runs the taker on the real transport.
/// <para>
/// Why: an open results stream held, through Kestrel's HTTP/1.1 request machinery, about 10 KB of objects per
/// connection (the request and response headers, <c>HttpContext</c> and its features, the request's cancellation
/// sources and async frames; bench/README.md, "Fan-out: results streams"). Handed off, it holds the socket, its two
/// pipes and the stream's own state.
/// </para>
/// <para>
/// Kestrel's HTTP layer registers a heartbeat callback on the connection that is never removed; this context gives it
/// one of its own (<see cref="HeartbeatRelay"/>) and cuts it when the layer lets go, so nothing of the layer stays
/// reachable from a handed-off connection.
/// </para>
/// </summary>
internal sealed class ConnectionHandOff : ConnectionContext, IDuplexPipe, IFeatureCollection, IConnectionHeartbeatFeature, IConnectionHandOffFeature
{
    private readonly ConnectionContext _connection;
    private readonly HandOffReader _input;
    private readonly HandOffWriter _output;
    private HeartbeatRelay? _heartbeat;
    private IConnectionTaker? _taker;

    private ConnectionHandOff(ConnectionContext connection)
    {
        _connection = connection;
        _input = new HandOffReader(connection.Transport.Input);
        _output = new HandOffWriter(connection.Transport.Output);
        Transport = this;
    }

    /// <summary>
    /// Runs the HTTP layer (<paramref name="next"/>) on the connection, then, if a handler handed it off, the taker; the
    /// connection closes when this returns.
    /// </summary>
    public static async Task ServeAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var (taker, failure) = await RunHttpLayerAsync(connection, next);

        // A taker runs even if the HTTP layer failed after the hand-off: it holds resources (a stream's limiter place)
        // that only its end gives back, and on a broken connection it ends at once.
        if (taker is not null)
        {
            await taker.RunAsync();
        }

        failure?.Throw();
    }

    // A method of its own, so that this context (and what the HTTP layer hung on it) is garbage once the layer is done,
    // not kept by the frame that awaits the taker.
    private static async Task<(IConnectionTaker? Taker, ExceptionDispatchInfo? Failure)> RunHttpLayerAsync(
        ConnectionContext connection, ConnectionDelegate next)
    {
        var handOff = new ConnectionHandOff(connection);
        ExceptionDispatchInfo? failure = null;
        try
        {
            await next(handOff);
        }
        catch (Exception e)
        {
            failure = ExceptionDispatchInfo.Capture(e);
        }

        // The HTTP layer is done: its heartbeat registration must not keep it alive through the relay.
        if (handOff._heartbeat is { } relay)
        {
            relay.Cut();
        }

        return (handOff._taker, failure);
    }

    // --- IConnectionHandOffFeature ---

    public ConnectionContext Connection => _connection;

    public bool CanHandOff(HttpContext context) =>
        _taker is null
        && ReferenceEquals(Transport, this)
        && HttpProtocol.IsHttp11(context.Request.Protocol)
        && context.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false };

    public void HandOff(IConnectionTaker taker)
    {
        if (_taker is not null || !ReferenceEquals(Transport, this))
        {
            throw new InvalidOperationException("This connection cannot be handed off (again).");
        }

        _taker = taker;
        _input.HandOff();
        _output.HandOff();
    }

    // --- ConnectionContext: the real connection's, except the transport (this) and the features (below) ---

    public override string ConnectionId
    {
        get => _connection.ConnectionId;
        set => _connection.ConnectionId = value;
    }

    public override IFeatureCollection Features => this;

    public override IDictionary<object, object?> Items
    {
        get => _connection.Items;
        set => _connection.Items = value;
    }

    /// <summary>This context's pipes at first; a TLS layer after this one sets its own (and then no hand-off is possible).</summary>
    public override IDuplexPipe Transport { get; set; }

    public override CancellationToken ConnectionClosed
    {
        get => _connection.ConnectionClosed;
        set => _connection.ConnectionClosed = value;
    }

    public override System.Net.EndPoint? LocalEndPoint
    {
        get => _connection.LocalEndPoint;
        set => _connection.LocalEndPoint = value;
    }

    public override System.Net.EndPoint? RemoteEndPoint
    {
        get => _connection.RemoteEndPoint;
        set => _connection.RemoteEndPoint = value;
    }

    /// <summary>Aborts the connection, unless it was handed off: then it is the taker's, and the HTTP layer has no say.</summary>
    public override void Abort(ConnectionAbortedException abortReason)
    {
        if (_taker is null)
        {
            _connection.Abort(abortReason);
        }
    }

    PipeReader IDuplexPipe.Input => _input;

    PipeWriter IDuplexPipe.Output => _output;

    // --- IConnectionHeartbeatFeature: the HTTP layer's registration goes through a relay that is cut when it is done ---

    void IConnectionHeartbeatFeature.OnHeartbeat(Action<object> action, object state)
    {
        var real = _connection.Features.Get<IConnectionHeartbeatFeature>();
        if (_heartbeat is null && real is not null)
        {
            _heartbeat = new HeartbeatRelay(action, state);
            real.OnHeartbeat(static relay => ((HeartbeatRelay)relay).Beat(), _heartbeat);
        }
        else
        {
            // Kestrel registers once per connection; any other registration is passed on as it is.
            real?.OnHeartbeat(action, state);
        }
    }

    // --- IFeatureCollection: the real connection's features, plus the two this context provides ---

    bool IFeatureCollection.IsReadOnly => false;

    int IFeatureCollection.Revision => _connection.Features.Revision;

    object? IFeatureCollection.this[Type key]
    {
        get => key == typeof(IConnectionHandOffFeature) || key == typeof(IConnectionHeartbeatFeature) ? this : _connection.Features[key];
        set => _connection.Features[key] = value;
    }

    TFeature? IFeatureCollection.Get<TFeature>() where TFeature : default =>
        (TFeature?)((IFeatureCollection)this)[typeof(TFeature)];

    void IFeatureCollection.Set<TFeature>(TFeature? instance) where TFeature : default =>
        ((IFeatureCollection)this)[typeof(TFeature)] = instance;

    IEnumerator<KeyValuePair<Type, object>> IEnumerable<KeyValuePair<Type, object>>.GetEnumerator()
    {
        yield return new(typeof(IConnectionHandOffFeature), this);
        yield return new(typeof(IConnectionHeartbeatFeature), this);
        foreach (var feature in _connection.Features)
        {
            if (feature.Key != typeof(IConnectionHandOffFeature) && feature.Key != typeof(IConnectionHeartbeatFeature))
            {
                yield return feature;
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => ((IEnumerable<KeyValuePair<Type, object>>)this).GetEnumerator();

    /// <summary>The HTTP layer's heartbeat callback, called from the connection's own until the layer is done.</summary>
    private sealed class HeartbeatRelay(Action<object> action, object state)
    {
        private Action<object>? _action = action;
        private object? _state = state;

        public void Beat()
        {
            var (beat, state) = (Volatile.Read(ref _action), Volatile.Read(ref _state));
            if (beat is not null && state is not null)
            {
                beat(state);
            }
        }

        public void Cut()
        {
            Volatile.Write(ref _action, null);
            Volatile.Write(ref _state, null);
        }
    }
}
