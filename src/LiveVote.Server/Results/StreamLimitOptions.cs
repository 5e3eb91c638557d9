using System.ComponentModel.DataAnnotations;

namespace LiveVote.Server.Results;

/// <summary>
/// Configuration section <c>LiveVote:Streams</c>: how many results streams (SSE) one node serves. A stream lives as long
/// as its viewer watches, so it is not in the concurrency limit of requests; without a cap of its own, thousands of
/// streams from one address held every connection and descriptor of the node. Extra streams are refused with 429
/// <c>too-many-streams</c> and Retry-After; the pages' EventSource retries by itself, with backoff.
/// </summary>
public sealed class StreamLimitOptions : IValidatableObject
{
    public const string Section = "LiveVote:Streams";

    /// <summary>
    /// Streams open at once on this node: half of <c>LiveVote:Connections:MaxPerNode</c>, so streams never hold more than
    /// half the node's connections and votes and reads always find room. The on-air graphics and consoles need a
    /// handful; viewers who are shown results open one each (docs/design.md, 6.3: the CDN-cached GET is the path for
    /// the crowd).
    /// </summary>
    [Range(1, 10_000_000)]
    public int MaxPerNode { get; set; } = 8_192;

    /// <summary>
    /// Streams open at once from one client network (IPv4 /24, IPv6 /48, after trusted proxies): a quarter of
    /// <see cref="MaxPerNode"/>, as for connections, room for a carrier NAT's viewers while one network cannot take the
    /// node's streams from everyone else.
    /// </summary>
    [Range(1, 10_000_000)]
    public int MaxPerNetwork { get; set; } = 2_048;

    /// <summary>
    /// Retry-After of a refused stream, in seconds: a slot frees only when a viewer leaves, so asking again within a
    /// second is wasted; 5 s matches the first steps of the pages' own backoff (1 s doubling to 15 s).
    /// </summary>
    [Range(1, 300)]
    public int RetryAfterSeconds { get; set; } = 5;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxPerNetwork > MaxPerNode)
        {
            yield return new ValidationResult($"{Section}: MaxPerNetwork ({MaxPerNetwork}) must not exceed MaxPerNode ({MaxPerNode}).",
                [nameof(MaxPerNetwork)]);
        }
    }
}
