using System.Net;
using LiveVote.Server.Security.RateLimiting;
using LiveVote.Server.Telemetry;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Hosting;

/// <summary>Why a connection was closed as soon as it was accepted; the <c>reason</c> label of the metric.</summary>
internal enum ConnectionRefusal : byte
{
    /// <summary>The public listeners hold <see cref="ConnectionLimitOptions.MaxPerNode"/> connections.</summary>
    Node,

    /// <summary>The client's network holds <see cref="ConnectionLimitOptions.MaxPerNetwork"/> connections.</summary>
    Network,

    /// <summary>The management listeners hold <see cref="ManagementListeners.MaxConnections"/> connections.</summary>
    Management,
}

/// <summary>
/// Counts the connections of the public listeners, node-wide and per client network (<see cref="ClientNetwork"/>, from
/// the TCP peer's address), and closes a connection over either limit as soon as it is accepted: before any byte is read,
/// so a refused connection costs its descriptor for microseconds. A Kestrel connection middleware on every public
/// listener (<see cref="ConnectionLimits"/>); Kestrel's own <c>MaxConcurrentConnections</c> counts per listening address,
/// so it cannot say "this node" when the server listens on several (localhost is two), and knows no networks.
/// </summary>
internal sealed class ConnectionGate
{
    private readonly int _maxPerNode;
    private readonly int _maxPerNetwork;
    private readonly IPNetwork[] _trustedProxies;

    // Connections open and close far less often than requests run, so one lock is cheap; under a connection flood it is
    // held for one dictionary update per connection.
    private readonly Lock _lock = new();
    private readonly Dictionary<UInt128, int> _perNetwork = [];
    private int _open;

    public ConnectionGate(IOptions<ConnectionLimitOptions> limits, IOptions<HttpSecurityOptions> http)
    {
        _maxPerNode = limits.Value.MaxPerNode;
        _maxPerNetwork = limits.Value.MaxPerNetwork;
        _trustedProxies = [.. http.Value.TrustedProxyNetworks()];
    }

    /// <summary>Connections open now on the public listeners.</summary>
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

    /// <summary>The Kestrel connection middleware: admits the connection for as long as it lives, or closes it at once.</summary>
    public async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var network = NetworkOf(connection.RemoteEndPoint);
        if (TryEnter(network) is { } refusal)
        {
            LiveVoteTelemetry.ConnectionRefused(refusal);

            // Completing both pipes and returning makes the transport close the socket: no answer, since no request was
            // read (as Kestrel's own connection limit does).
            await connection.Transport.Input.CompleteAsync();
            await connection.Transport.Output.CompleteAsync();
            return;
        }

        try
        {
            // The HTTP layer, then whatever a handler handed the connection to (a results stream): counted the whole time.
            await ConnectionHandOff.ServeAsync(connection, next);
        }
        finally
        {
            Leave(network);
        }
    }

    /// <summary>Admits one connection of <paramref name="network"/> (null: not counted per network); null when admitted.</summary>
    internal ConnectionRefusal? TryEnter(UInt128? network)
    {
        lock (_lock)
        {
            if (_open >= _maxPerNode)
            {
                return ConnectionRefusal.Node;
            }

            if (network is { } key)
            {
                ref var count = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_perNetwork, key, out _);
                if (count >= _maxPerNetwork)
                {
                    return ConnectionRefusal.Network;
                }

                count++;
            }

            _open++;
            return null;
        }
    }

    internal void Leave(UInt128? network)
    {
        lock (_lock)
        {
            _open--;

            // A network without connections is forgotten, so the table holds at most MaxPerNode entries.
            if (network is { } key && _perNetwork.TryGetValue(key, out var count))
            {
                if (count <= 1)
                {
                    _perNetwork.Remove(key);
                }
                else
                {
                    _perNetwork[key] = count - 1;
                }
            }
        }
    }

    /// <summary>
    /// The network a connection counts against: null for a trusted proxy (it carries many clients; the per-network
    /// limits of requests and streams see the real client after <c>X-Forwarded-For</c>) and for Unix sockets (only a
    /// local proxy reaches them).
    /// </summary>
    internal UInt128? NetworkOf(EndPoint? remote)
    {
        if (remote is not IPEndPoint { Address: var address })
        {
            return null;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var proxy in _trustedProxies)
        {
            if (proxy.Contains(address))
            {
                return null;
            }
        }

        return ClientNetwork.From(address).Network;
    }
}
