using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using LiveVote.Cli.CommandLine;

namespace LiveVote.Cli.Loadgen.Subscribers;

/// <summary><c>--subscribers N</c> and its companions: results streams held on the run's poll while the votes flow.</summary>
internal sealed record SubscriberSettings(int Count, IReadOnlyList<int> HoldAt, TimeSpan Hold)
{
    public static IReadOnlyList<OptionSpec> Specs { get; } =
    [
        new("subscribers", "n", "results streams (SSE) held open on the run's poll while votes flow; delivery latency per stream (default 0)"),
        new("subscribers-hold", "seconds", "with --subscribers: hold the streams idle this long before the votes, e.g. to read the server's memory (default 0)"),
        new("subscribers-hold-at", "n,n,...", "with --subscribers: also pause and hold at these stream counts while opening (e.g. 5000)"),
    ];

    public static SubscriberSettings? From(ParsedOptions options, bool baseline)
    {
        var text = options.Value("subscribers");
        if (text is null)
        {
            return null;
        }

        if (baseline)
        {
            throw new UsageException("--subscribers needs a poll: it does not go with --baseline.");
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count is < 1 or > 1_000_000)
        {
            throw new UsageException("--subscribers must be a number from 1 to 1000000.");
        }

        var holdText = options.Value("subscribers-hold") ?? "0";
        if (!double.TryParse(holdText, NumberStyles.Float, CultureInfo.InvariantCulture, out var hold) || hold is < 0 or > 3600)
        {
            throw new UsageException("--subscribers-hold must be a number of seconds from 0 to 3600.");
        }

        IReadOnlyList<int> holdAt;
        try
        {
            holdAt = SubscriberFleet.ParseHoldAt(options.Value("subscribers-hold-at"));
        }
        catch (FormatException)
        {
            throw new UsageException("--subscribers-hold-at must be stream counts separated by commas.");
        }

        return new SubscriberSettings(count, holdAt, TimeSpan.FromSeconds(hold));
    }
}

/// <summary>The fleet's part of one <c>loadgen</c> run: opened when the poll is ready, stopped after the votes.</summary>
internal sealed class SubscriberRun(LoadgenSettings settings, TextWriter progress)
{
    private SubscriberFleet? _fleet;

    /// <summary>The hook of <see cref="LoadRun"/>: null without <c>--subscribers</c>.</summary>
    public Func<string, CancellationToken, Task>? BeforeVotes => settings.Subscribers is { } subscribers
        ? (pollId, cancellationToken) =>
        {
            _fleet = new SubscriberFleet(settings.Url, pollId, progress);
            return _fleet.OpenAsync(subscribers.Count, subscribers.HoldAt, subscribers.Hold, cancellationToken);
        }
        : null;

    public async Task<SubscriberReport?> StopAsync()
    {
        if (_fleet is not { } fleet)
        {
            return null;
        }

        _fleet = null;
        return await fleet.StopAsync().ConfigureAwait(false);
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(SubscriberReport))]
internal sealed partial class SubscribersJsonContext : JsonSerializerContext;
