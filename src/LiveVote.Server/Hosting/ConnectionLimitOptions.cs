using System.ComponentModel.DataAnnotations;

namespace LiveVote.Server.Hosting;

/// <summary>
/// Configuration section <c>LiveVote:Connections</c>: how many TCP connections the public listeners hold, and how long
/// a connection may stay idle or trickle bytes. Every open connection costs a file descriptor and socket buffers; without
/// these limits one client opening idle connections (slowloris) ran the process out of descriptors and memory.
/// </summary>
public sealed class ConnectionLimitOptions : IValidatableObject
{
    public const string Section = "LiveVote:Connections";

    /// <summary>
    /// Connections open at once on the public listeners of this node, results streams included (each is a connection).
    /// 16,384 equals <c>LiveVote:RateLimits:MaxConcurrentRequests</c>: an HTTP/1.1 connection carries one request at a
    /// time, so more connections than admitted requests would only hold idle sockets; with the 1,024 descriptors kept
    /// for the store and the runtime it fits a soft <c>RLIMIT_NOFILE</c> of 20,000. Beyond it a new connection is closed
    /// as soon as it is accepted.
    /// </summary>
    [Range(1, 10_000_000)]
    public int MaxPerNode { get; set; } = 16_384;

    /// <summary>
    /// Connections open at once from one client network (IPv4 /24, IPv6 /48), so that one client cannot take the
    /// node's connections from everyone else: a quarter of <see cref="MaxPerNode"/>, room for a carrier NAT crowd on one
    /// node while three other networks' worth stays free. Trusted proxies (<c>LiveVote:Http:TrustedProxies</c>) and Unix
    /// sockets are not counted per network: all clients come through them.
    /// </summary>
    [Range(1, 10_000_000)]
    public int MaxPerNetwork { get; set; } = 4_096;

    /// <summary>
    /// Descriptors the start-up check keeps beside the connections (<see cref="FileDescriptorLimit.Reserve"/> by
    /// default). An idle SQLite node holds about 270, so a node given to results streams can lower it to fit more
    /// connections in its open-file limit: 19,000 streams and 200 other connections in a limit of 20,000 need a reserve
    /// of at most 800 (bench/fanout.sh).
    /// </summary>
    [Range(64, 1_000_000)]
    public int ReservedDescriptors { get; set; } = FileDescriptorLimit.Reserve;

    /// <summary>
    /// How long a connection may wait idle for its next request (or its first). 75 s outlasts the idle timeouts of
    /// common load balancers and proxies (60 s), so they close an idle connection first and never send a request on one
    /// the server is closing (a 502), while an idle socket holds its descriptor barely over a minute (Kestrel's default:
    /// 130 s).
    /// </summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(75);

    /// <summary>
    /// How long a client may take to send a request's headers (the API's are under 2 KiB). A phone on a poor link sends
    /// them in well under a second; a slowloris client that trickles them is cut after 10 s (Kestrel's default: 30 s).
    /// </summary>
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Least average rate at which a request body must arrive after <see cref="MinDataRateGracePeriod"/>. Bodies are at
    /// most 4 KiB, so at 1 KiB/s the largest arrives within ~9 s even on a 2G uplink (~10 KiB/s); a client trickling
    /// slower is holding a connection and a request slot on purpose (Kestrel's default: 240 bytes/s).
    /// </summary>
    [Range(1, 1_000_000)]
    public int MinRequestBodyBytesPerSecond { get; set; } = 1024;

    /// <summary>
    /// Least rate at which a client must take a response, measured only while a write waits for it: an idle results
    /// stream (a 14-byte keep-alive comment every 15 s) is never cut, since its writes complete at once; a client that
    /// stops reading (slow read, holding server buffers) is cut once its socket buffers are full and the grace period
    /// has passed. Kestrel's default, 240 bytes/s.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MinResponseBytesPerSecond { get; set; } = 240;

    /// <summary>
    /// How long a body or a waiting response write may fall below its least rate before the connection is cut:
    /// Kestrel's default of 5 s, which absorbs a mobile link's stalls (Kestrel needs more than its 1 s heartbeat).
    /// </summary>
    public TimeSpan MinDataRateGracePeriod { get; set; } = TimeSpan.FromSeconds(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxPerNetwork > MaxPerNode)
        {
            yield return new ValidationResult($"{Section}: MaxPerNetwork ({MaxPerNetwork}) must not exceed MaxPerNode ({MaxPerNode}).",
                [nameof(MaxPerNetwork)]);
        }

        if (KeepAliveTimeout < TimeSpan.FromSeconds(1) || KeepAliveTimeout > TimeSpan.FromHours(1))
        {
            yield return new ValidationResult($"{Section}:KeepAliveTimeout must be 1 s to 1 hour.", [nameof(KeepAliveTimeout)]);
        }

        if (RequestHeadersTimeout < TimeSpan.FromSeconds(1) || RequestHeadersTimeout > TimeSpan.FromMinutes(10))
        {
            yield return new ValidationResult($"{Section}:RequestHeadersTimeout must be 1 s to 10 minutes.", [nameof(RequestHeadersTimeout)]);
        }

        if (MinDataRateGracePeriod <= TimeSpan.FromSeconds(1) || MinDataRateGracePeriod > TimeSpan.FromMinutes(10))
        {
            yield return new ValidationResult($"{Section}:MinDataRateGracePeriod must be more than 1 s and at most 10 minutes.",
                [nameof(MinDataRateGracePeriod)]);
        }
    }
}
