using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace LiveVote.Cli.Loadgen.Subscribers;

/// <summary>One results version as the subscribers saw it: the first receipt by any of them, and its <c>asOf</c>.</summary>
internal sealed class Publication(long version, DateTimeOffset asOf, long firstReceipt)
{
    private long _firstReceipt = firstReceipt;

    public long Version { get; } = version;

    /// <summary>The committed state's time in the document (the server's clock: the same machine's here).</summary>
    public DateTimeOffset AsOf { get; } = asOf;

    /// <summary>Stopwatch timestamp of the earliest receipt of this version by any subscriber.</summary>
    public long FirstReceipt => Volatile.Read(ref _firstReceipt);

    public void Seen(long timestamp)
    {
        var first = Volatile.Read(ref _firstReceipt);
        while (timestamp < first)
        {
            var was = Interlocked.CompareExchange(ref _firstReceipt, timestamp, first);
            if (was == first)
            {
                return;
            }

            first = was;
        }
    }
}

/// <summary>
/// Every results version any subscriber received. The results document carries the committed state's time
/// (<c>asOf</c>) but not the moment the server published it; so delivery latency is given two ways, which bound the
/// publication from both sides: since the first receipt of that version by any subscriber (publication happened
/// earlier, so this is a lower bound of publication-to-delivery) and since <c>asOf</c> (publication happened later: an
/// upper bound, which includes the coalescing wait of up to one publish interval). <c>asOf</c> is parsed once per version.
/// </summary>
internal sealed class PublicationBook
{
    private readonly ConcurrentDictionary<long, Publication> _byVersion = new();

    // Wall clock at one Stopwatch instant: receipts are Stopwatch timestamps, asOf is wall-clock time.
    private readonly DateTimeOffset _wallAtStart = DateTimeOffset.UtcNow;
    private readonly long _ticksAtStart = Stopwatch.GetTimestamp();

    public IReadOnlyCollection<Publication> All => (IReadOnlyCollection<Publication>)_byVersion.Values;

    public bool TryGet(long version, out Publication publication) => _byVersion.TryGetValue(version, out publication!);

    public void Observe(long version, ReadOnlySpan<byte> json, long receivedAt)
    {
        if (_byVersion.TryGetValue(version, out var known))
        {
            known.Seen(receivedAt);
            return;
        }

        var asOf = ReadAsOf(json);
        _byVersion.GetOrAdd(version, new Publication(version, asOf, receivedAt)).Seen(receivedAt);
    }

    public DateTimeOffset WallClock(long timestamp) => _wallAtStart + Stopwatch.GetElapsedTime(_ticksAtStart, timestamp);

    private static DateTimeOffset ReadAsOf(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("asOf"u8) && reader.Read())
            {
                return reader.GetDateTimeOffset();
            }
        }

        return DateTimeOffset.MinValue;
    }
}
