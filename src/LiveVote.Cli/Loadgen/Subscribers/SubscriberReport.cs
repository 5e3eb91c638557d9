using System.Diagnostics;
using System.Globalization;
using System.Text;
using HdrHistogram;

namespace LiveVote.Cli.Loadgen.Subscribers;

/// <summary>
/// What the results streams received. <see cref="Missed"/>: versions published while a stream was open (seen by any
/// subscriber after the streams were all open, and at least a second before the end) that this stream never got;
/// <see cref="OutOfOrder"/>: events whose version is below the previous one (a closing or final snapshot repeats the
/// version of the count it shows). Latency per delivery, two bounds of
/// publication-to-delivery (<see cref="PublicationBook"/>).
/// </summary>
internal sealed record SubscriberReport(
    int Asked,
    int Held,
    int Refused,
    int Failed,
    int Dropped,
    int Publications,
    long Deliveries,
    long Missed,
    long OutOfOrder,
    long Unreadable,
    long KeepAlives,
    LatencySummary SinceFirstReceipt,
    LatencySummary SinceAsOf)
{
    private const long HighestMicroseconds = 600_000_000;

    public static SubscriberReport Of(IReadOnlyList<SseSubscriber> subscribers, int held, PublicationBook book, long measureFrom, long stoppedAt)
    {
        var window = book.All
            .Where(p => p.FirstReceipt >= measureFrom && Stopwatch.GetElapsedTime(p.FirstReceipt, stoppedAt) >= TimeSpan.FromSeconds(1))
            .Select(p => p.Version).Order().ToArray();
        var sinceFirst = new LongHistogram(1, HighestMicroseconds, 3);
        var sinceAsOf = new LongHistogram(1, HighestMicroseconds, 3);
        long deliveries = 0, missed = 0, outOfOrder = 0, unreadable = 0, keepAlives = 0;
        foreach (var subscriber in subscribers)
        {
            unreadable += subscriber.Unreadable;
            keepAlives += subscriber.KeepAlives;
            if (subscriber.State is not (SubscriberState.Open or SubscriberState.Dropped) || subscriber.Versions.Count == 0)
            {
                continue;
            }

            var versions = subscriber.Versions;
            var received = subscriber.ReceivedAt;
            for (var i = 1; i < versions.Count; i++)
            {
                if (versions[i] < versions[i - 1])
                {
                    outOfOrder++;
                }

                if (book.TryGet(versions[i], out var publication) && publication.FirstReceipt >= measureFrom)
                {
                    deliveries++;
                    sinceFirst.RecordValue(Micros(Stopwatch.GetElapsedTime(publication.FirstReceipt, received[i])));
                    sinceAsOf.RecordValue(Micros(book.WallClock(received[i]) - publication.AsOf));
                }
            }

            missed += MissedBy(subscriber, window, book);
        }

        return new SubscriberReport(
            subscribers.Count, held, subscribers.Count(s => s.State == SubscriberState.Refused), subscribers.Count(s => s.State == SubscriberState.Failed),
            subscribers.Count(s => s.State == SubscriberState.Dropped), window.Length, deliveries, missed, outOfOrder, unreadable, keepAlives,
            LatencySummary.Of(sinceFirst), LatencySummary.Of(sinceAsOf));
    }

    /// <summary>Window versions after this stream's first (on-connect) one, and before it dropped, that it never received.</summary>
    private static long MissedBy(SseSubscriber subscriber, long[] window, PublicationBook book)
    {
        var got = new HashSet<long>(subscriber.Versions);
        var first = subscriber.Versions[0];
        long missed = 0;
        foreach (var version in window)
        {
            if (version <= first || got.Contains(version))
            {
                continue;
            }

            if (subscriber.State == SubscriberState.Dropped && book.TryGet(version, out var publication) && publication.FirstReceipt >= subscriber.EndedAt)
            {
                continue;
            }

            missed++;
        }

        return missed;
    }

    private static long Micros(TimeSpan latency) => Math.Clamp((long)latency.TotalMicroseconds, 1, HighestMicroseconds);

    public string ToMarkdown()
    {
        static string Row(string name, LatencySummary s) => string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {s.Count:N0} | {s.P50Ms:F1} | {s.P99Ms:F1} | {s.P999Ms:F1} | {s.MaxMs:F1} |");
        var text = new StringBuilder();
        text.AppendLine("## Results streams (subscribers)").AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"- streams asked {Asked:N0}, held to the end {Held:N0}, refused {Refused:N0}, failed to connect {Failed:N0}, dropped {Dropped:N0}")
            .AppendLine(CultureInfo.InvariantCulture, $"- snapshots published while all were open: {Publications:N0}; delivered {Deliveries:N0}; missed {Missed:N0}; out of order {OutOfOrder:N0}; unreadable {Unreadable:N0}; keep-alive comments {KeepAlives:N0}")
            .AppendLine()
            .AppendLine("| delivery latency | deliveries | p50 ms | p99 ms | p99.9 ms | max ms |")
            .AppendLine("| --- | ---: | ---: | ---: | ---: | ---: |")
            .AppendLine(Row("since the first subscriber's receipt (lower bound of since-publication)", SinceFirstReceipt))
            .AppendLine(Row("since the snapshot's asOf (upper bound: includes the publish interval)", SinceAsOf));
        return text.ToString();
    }
}
