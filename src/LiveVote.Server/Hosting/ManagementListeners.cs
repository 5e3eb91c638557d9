using System.Net;
using LiveVote.Server.Telemetry;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Hosting;

/// <summary>
/// Which of Kestrel's listeners serve the operator (<see cref="ManagementOptions.Urls"/>), and the mark their connections
/// carry. A listener is recognised by the address and port it binds (<see cref="Claim"/>, as Kestrel creates it), and
/// its connections carry <see cref="ManagementConnection"/>, which Kestrel shows to every request of the connection:
/// so the split holds whatever port numbers are in use (port 0 included) and needs no comparison of Host headers.
/// </summary>
internal sealed class ManagementListeners
{
    /// <summary>
    /// Connections open at once on the management listeners. Prometheus keeps one connection per target and probes
    /// open one at a time; 64 is ample, and whoever reaches the monitoring network cannot spend the node's descriptors
    /// through this listener.
    /// </summary>
    public const int MaxConnections = 64;

    /// <summary>The operator's endpoints, by route pattern: only these answer on the management listeners.</summary>
    private static readonly HashSet<string> Routes = new(StringComparer.Ordinal)
    {
        TelemetrySetup.MetricsPath, HealthEndpoints.LivePath, HealthEndpoints.ReadyPath,
    };

    private readonly (string Url, IPEndPoint EndPoint)[] _listeners;
    private readonly HashSet<IPEndPoint> _claimed = [];
    private int _open;

    public ManagementListeners(IOptions<ManagementOptions> options)
    {
        var listeners = new List<(string, IPEndPoint)>();
        foreach (var url in options.Value.UrlList())
        {
            if (TryParse(url, out var endPoint) is null)
            {
                listeners.Add((url, endPoint));
            }
        }

        _listeners = [.. listeners];
    }

    /// <summary>Whether a management listener is configured: without one, everything is served on the public listener.</summary>
    public bool Enabled => _listeners.Length > 0;

    /// <summary>Whether <paramref name="listen"/> (an endpoint Kestrel is about to bind) is a management listener; notes it if so.</summary>
    public bool Claim(ListenOptions listen)
    {
        if (listen.IPEndPoint is not { } bound || !_listeners.Any(l => l.EndPoint.Equals(bound)))
        {
            return false;
        }

        lock (_claimed)
        {
            _claimed.Add(bound);
        }

        return true;
    }

    /// <summary>The configured URLs Kestrel did not bind (it ignores the server URLs when endpoints are configured in code or in <c>Kestrel:Endpoints</c>).</summary>
    public IReadOnlyList<string> Unbound()
    {
        lock (_claimed)
        {
            return [.. _listeners.Where(l => !_claimed.Contains(l.EndPoint)).Select(l => l.Url)];
        }
    }

    /// <summary>The Kestrel connection middleware of a management listener: marks the connection, within its own small limit.</summary>
    public async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        if (Interlocked.Increment(ref _open) > MaxConnections)
        {
            Interlocked.Decrement(ref _open);
            LiveVoteTelemetry.ConnectionRefused(ConnectionRefusal.Management);
            await connection.Transport.Input.CompleteAsync();
            await connection.Transport.Output.CompleteAsync();
            return;
        }

        try
        {
            connection.Features.Set(ManagementConnection.Instance);
            await next(connection);
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    }

    /// <summary>
    /// Whether the request may be served where it arrived: the operator's endpoints only on a management connection,
    /// everything else only on a public one. Decided on the matched endpoint (after routing), not on the path text, so
    /// <c>/METRICS</c> or <c>/healthz/</c> on the public listener is refused like <c>/metrics</c>.
    /// </summary>
    public static bool Allows(HttpContext context)
    {
        var onManagement = context.Features.Get<ManagementConnection>() is not null;
        var isManagementEndpoint = context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } route } && Routes.Contains(route);
        return onManagement == isManagementEndpoint;
    }

    /// <summary>
    /// Reads a management URL as Kestrel will bind it: <c>localhost</c> is the loopback address, an IP address is itself,
    /// any other host (<c>*</c>, <c>+</c>, a name) is every address. Returns why the URL cannot be used, or null.
    /// </summary>
    public static string? TryParse(string url, out IPEndPoint endPoint)
    {
        endPoint = null!;
        BindingAddress address;
        try
        {
            address = BindingAddress.Parse(url);
        }
        catch (FormatException)
        {
            return "is not a URL like http://10.0.0.5:9090.";
        }

        if (address.Scheme is not ("http" or "https") || address.IsUnixPipe || address.IsNamedPipe || !string.IsNullOrEmpty(address.PathBase))
        {
            return "must be http:// or https:// with a host and a port, and no path.";
        }

        var ip = string.Equals(address.Host, "localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
            : IPAddress.TryParse(address.Host, out var parsed) ? parsed
            : IPAddress.IPv6Any;
        endPoint = new IPEndPoint(ip, address.Port);
        return null;
    }

    /// <summary>The mark of a connection accepted by a management listener.</summary>
    internal sealed class ManagementConnection
    {
        public static readonly ManagementConnection Instance = new();
    }
}
