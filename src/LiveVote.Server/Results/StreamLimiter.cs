using LiveVote.Server.Security.RateLimiting;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Results;

/// <summary>Which stream limit refused a stream: the <c>limit</c> member of the 429 and the metric's label.</summary>
internal enum StreamLimit : byte
{
    /// <summary>The node serves <see cref="StreamLimitOptions.MaxPerNode"/> streams.</summary>
    Node,

    /// <summary>The client's network holds <see cref="StreamLimitOptions.MaxPerNetwork"/> streams.</summary>
    Network,
}

/// <summary>
/// Counts open results streams, node-wide and per client network (<see cref="ClientNetwork"/>: after trusted proxies,
/// the viewer's own network). Its own limiter, not the request concurrency limit: a stream lives for minutes or hours
/// and would starve short requests of their slots, while short requests would never let a stream in. Always on, like
/// the connection limits (<c>LiveVote:RateLimits:Enabled</c> switches off the request limits only). Memory: one entry
/// per network with an open stream.
/// </summary>
internal sealed class StreamLimiter(IOptions<StreamLimitOptions> options)
{
    private readonly int _maxPerNode = options.Value.MaxPerNode;
    private readonly int _maxPerNetwork = options.Value.MaxPerNetwork;

    // Streams open and close as viewers come and go: far rarer than requests, so one lock is cheap.
    private readonly Lock _lock = new();
    private readonly Dictionary<UInt128, int> _perNetwork = [];
    private int _open;

    public int RetryAfterSeconds { get; } = options.Value.RetryAfterSeconds;

    /// <summary>Streams open now.</summary>
    public int Open
    {
        get
        {
            lock (_lock)
            {
                return _open;
            }
        }
    }

    public static string Name(StreamLimit limit) => limit == StreamLimit.Node ? "streams" : "streams-per-network";

    /// <summary>
    /// A place for one stream of <paramref name="client"/>'s network, held until <paramref name="ticket"/> is disposed; or
    /// the limit that is full.
    /// </summary>
    public StreamLimit? TryOpen(in ClientNetwork client, out IDisposable ticket)
    {
        ticket = null!;
        lock (_lock)
        {
            if (_open >= _maxPerNode)
            {
                return StreamLimit.Node;
            }

            ref var count = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_perNetwork, client.Network, out _);
            if (count >= _maxPerNetwork)
            {
                return StreamLimit.Network;
            }

            count++;
            _open++;
        }

        ticket = new Ticket(this, client.Network);
        return null;
    }

    private void Close(UInt128 network)
    {
        lock (_lock)
        {
            _open--;
            if (_perNetwork.TryGetValue(network, out var count) && count > 1)
            {
                _perNetwork[network] = count - 1;
            }
            else
            {
                _perNetwork.Remove(network);
            }
        }
    }

    private sealed class Ticket(StreamLimiter limiter, UInt128 network) : IDisposable
    {
        private int _closed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                limiter.Close(network);
            }
        }
    }
}
