using System.Globalization;
using LiveVote.Cli.CommandLine;
using LiveVote.Cli.Loadgen.Subscribers;

namespace LiveVote.Cli.Loadgen;

internal enum LoadMode
{
    /// <summary>C connections, each sending its next vote as soon as the previous one is answered: the maximum.</summary>
    Closed,

    /// <summary>A constant arrival rate; latency counts from each request's intended send time (as wrk2 does).</summary>
    Open,
}

/// <summary>What one load run does, parsed from the command line.</summary>
internal sealed record LoadgenSettings(
    Uri Url,
    string? AdminKey,
    LoadMode Mode,
    int Connections,
    double Rate,
    TimeSpan Duration,
    int Viewers,
    int Options,
    double DuplicateShare,
    double SecondVoteShare,
    bool Baseline,
    string? OutPath,
    int Seed,
    TimeSpan Warmup,
    bool KeepOpen)
{
    /// <summary>Set: the command only registers the viewers and writes their tokens to this file (<see cref="TokenExport"/>).</summary>
    public string? ExportTokensPath { get; init; }

    public static IReadOnlyList<OptionSpec> Specs { get; } =
    [
        new("url", "url", "server base address, e.g. http://127.0.0.1:5000 (required)"),
        .. AdminKeySource.Specs,
        new("mode", "closed|open", "closed: as fast as answers come (default); open: constant --rate"),
        new("connections", "n", "HTTP/1.1 keep-alive connections for votes (default 64)"),
        new("rate", "votes/s", "open mode: arrival rate (required with --mode open)"),
        new("duration", "seconds", "how long to send votes (default 10)"),
        new("viewers", "n", "viewers registered beforehand; the run stops early when each has voted (default 20000)"),
        new("options", "k", "options of the poll, at least 2 (default 4)"),
        new("duplicate-share", "0..1", "share of requests that retry an acknowledged vote, expecting 200 (default 0.02)"),
        new("second-vote-share", "0..1", "share of requests that are a different second vote, expecting 409 (default 0.02)"),
        new("baseline", null, "only POST votes and expect 202 (the bare Kestrel baseline in bench/); no setup, readers or checks"),
        new("out", "path", "write the JSON result there, and a Markdown summary and an SVG chart beside it"),
        new("seed", "n", "random seed of the vote mix (default 1)"),
        new("warmup", "seconds", "votes sent first, in the same mode, and left out of the figures (JIT, connections); still checked (default 0)"),
        new("export-tokens", "path", "only register --viewers viewers and write their tokens there, one a line (for wrk's bench/wrk/vote.lua); no poll, no votes"),
        new("keep-open", null, "leave the poll the run opened open at the end (default: it is closed, so no stray open poll is left behind)"),
        .. SubscriberSettings.Specs,
    ];

    /// <summary>Results streams held open on the run's poll while the votes flow (<see cref="SubscriberFleet"/>).</summary>
    public SubscriberSettings? Subscribers { get; init; }

    public static LoadgenSettings From(ParsedOptions options)
    {
        var baseline = options.Has("baseline");
        if (!Uri.TryCreate(options.Required("url"), UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            throw new UsageException("--url must be an absolute http(s) address.");
        }

        var mode = options.Value("mode") switch
        {
            null or "closed" => LoadMode.Closed,
            "open" => LoadMode.Open,
            var other => throw new UsageException($"--mode must be closed or open, not '{other}'."),
        };
        var settings = new LoadgenSettings(
            url,
            // The admin key creates the poll and registers viewers as a trusted back end; the baseline needs none.
            baseline ? AdminKeySource.Resolve(options) : AdminKeySource.Required(options),
            mode,
            Int(options, "connections", 64, 1, 10_000),
            mode == LoadMode.Open ? Number(options, "rate", double.NaN, 1, 10_000_000) : 0,
            TimeSpan.FromSeconds(Number(options, "duration", 10, 0.5, 86_400)),
            Int(options, "viewers", 20_000, 1, 50_000_000),
            Int(options, "options", 4, 2, 100),
            Number(options, "duplicate-share", 0.02, 0, 0.5),
            Number(options, "second-vote-share", 0.02, 0, 0.5),
            baseline,
            options.Value("out"),
            Int(options, "seed", 1, int.MinValue, int.MaxValue),
            TimeSpan.FromSeconds(Number(options, "warmup", 0, 0, 600)),
            options.Has("keep-open"))
        {
            ExportTokensPath = options.Value("export-tokens"),
            Subscribers = SubscriberSettings.From(options, baseline),
        };
        if (double.IsNaN(settings.Rate))
        {
            throw new UsageException("--rate is required with --mode open.");
        }

        return settings;
    }

    private static int Int(ParsedOptions options, string name, int fallback, int min, int max) =>
        (int)Number(options, name, fallback, min, max, integer: true);

    private static double Number(ParsedOptions options, string name, double fallback, double min, double max, bool integer = false)
    {
        var text = options.Value(name);
        if (text is null)
        {
            return fallback;
        }

        var style = integer ? NumberStyles.Integer : NumberStyles.Float;
        return double.TryParse(text, style, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new UsageException($"--{name} must be a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}.");
    }
}
