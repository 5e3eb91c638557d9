using System.ComponentModel.DataAnnotations;

namespace LiveVote.Server.Results;

/// <summary>Configuration section <c>LiveVote:Results</c>.</summary>
public sealed class ResultsOptions
{
    public const string Section = "LiveVote:Results";

    /// <summary>
    /// Least time between two published snapshots of a poll, in milliseconds. 250 ms keeps vote-to-screen well under
    /// the 1 s target while one serialisation serves every reader and subscriber of the interval.
    /// </summary>
    [Range(10, 5000)]
    public int PublishIntervalMs { get; set; } = 250;

    /// <summary>Seconds between SSE keep-alive comments, below common proxy idle timeouts (30-60 s).</summary>
    [Range(1, 300)]
    public int KeepAliveSeconds { get; set; } = 15;
}
