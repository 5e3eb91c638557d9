using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;

namespace LiveVote.Cli.Loadgen.Subscribers;

/// <summary>
/// N results streams of one poll (<c>livevote loadgen --subscribers N</c>): opened a few hundred connections at a time,
/// held while the votes flow, then stopped and summed up (<see cref="SubscriberReport"/>). Streams refused or dropped
/// are not reopened: the report counts them instead.
/// </summary>
internal sealed class SubscriberFleet(Uri url, string pollId, TextWriter progress)
{
    /// <summary>Connections being opened at once: enough to open 19,000 in seconds, few enough not to overflow the accept backlog.</summary>
    private const int OpenAtOnce = 200;

    private readonly PublicationBook _publications = new();
    private readonly List<SseSubscriber> _subscribers = [];
    private readonly List<Task> _reading = [];
    private long _measureFrom = long.MaxValue;

    public IReadOnlyList<SseSubscriber> Subscribers => _subscribers;

    public PublicationBook Publications => _publications;

    public int OpenCount => _subscribers.Count(s => s.State == SubscriberState.Open);

    /// <summary>
    /// Opens streams up to <paramref name="count"/>; at each of <paramref name="holdAt"/> (and at the end) it reports the
    /// streams open and holds them idle for <paramref name="hold"/>, so a benchmark can read the server's memory then.
    /// Deliveries count from the end of this call: the snapshot each stream gets on connect is no publication.
    /// </summary>
    public async Task OpenAsync(int count, IReadOnlyList<int> holdAt, TimeSpan hold, CancellationToken cancellationToken)
    {
        var server = await ResolveAsync(cancellationToken).ConfigureAwait(false);
        var request = Encoding.ASCII.GetBytes(
            $"GET /v1/polls/{Uri.EscapeDataString(pollId)}/results/stream HTTP/1.1\r\nHost: {url.Authority}\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n");
        var opened = 0;
        foreach (var milestone in holdAt.Where(n => n > 0 && n < count).Order().Append(count))
        {
            await progress.WriteLineAsync($"Opening results streams {opened + 1:N0}..{milestone:N0}...").ConfigureAwait(false);
            var from = opened;
            await Parallel.ForEachAsync(Enumerable.Range(from, milestone - from), new ParallelOptions { MaxDegreeOfParallelism = OpenAtOnce, CancellationToken = cancellationToken },
                async (_, token) =>
                {
                    var subscriber = new SseSubscriber(_publications);
                    lock (_subscribers)
                    {
                        _subscribers.Add(subscriber);
                    }

                    var reading = await subscriber.OpenAsync(server, request, token).ConfigureAwait(false);
                    lock (_reading)
                    {
                        _reading.Add(reading);
                    }
                }).ConfigureAwait(false);
            opened = milestone;
            var (open, refused, failed) = Counts();
            await progress.WriteLineAsync(
                $"Streams open: {open:N0} of {milestone:N0} asked ({refused:N0} refused, {failed:N0} failed); idle for {hold.TotalSeconds:F0} s").ConfigureAwait(false);
            if (hold > TimeSpan.Zero)
            {
                await Task.Delay(hold, cancellationToken).ConfigureAwait(false);
            }

            await progress.WriteLineAsync($"Streams held: {OpenCount:N0}").ConfigureAwait(false);
        }

        _measureFrom = Stopwatch.GetTimestamp();
    }

    /// <summary>Closes every stream and sums up what each received.</summary>
    public async Task<SubscriberReport> StopAsync()
    {
        var stoppedAt = Stopwatch.GetTimestamp();
        List<SseSubscriber> subscribers;
        lock (_subscribers)
        {
            subscribers = [.. _subscribers];
        }

        var held = subscribers.Count(s => s.State == SubscriberState.Open);
        foreach (var subscriber in subscribers)
        {
            subscriber.Stop();
        }

        Task[] reading;
        lock (_reading)
        {
            reading = [.. _reading];
        }

        await Task.WhenAll(reading).ConfigureAwait(false);
        return SubscriberReport.Of(subscribers, held, _publications, _measureFrom, stoppedAt);
    }

    private (int Open, int Refused, int Failed) Counts()
    {
        lock (_subscribers)
        {
            return (_subscribers.Count(s => s.State == SubscriberState.Open), _subscribers.Count(s => s.State == SubscriberState.Refused),
                _subscribers.Count(s => s.State == SubscriberState.Failed));
        }
    }

    private async Task<IPEndPoint> ResolveAsync(CancellationToken cancellationToken)
    {
        if (url.Scheme != Uri.UriSchemeHttp)
        {
            throw new LoadSetupException("--subscribers opens plain http streams; use the node's http address.");
        }

        var address = IPAddress.TryParse(url.Host.Trim('[', ']'), out var literal) ? literal
            : (await Dns.GetHostAddressesAsync(url.Host, cancellationToken).ConfigureAwait(false)).First();
        return new IPEndPoint(address, url.Port);
    }

    public static IReadOnlyList<int> ParseHoldAt(string? text) =>
        text is null ? [] : [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(n => int.Parse(n, CultureInfo.InvariantCulture))];
}
