namespace LiveVote.Cli.Loadgen;

/// <summary>
/// The viewers, what each voted and when it was acknowledged. Hands out the next vote (mostly fresh first votes,
/// with the configured share of retries and second votes of already acknowledged viewers) and turns results events
/// into vote-to-visible latencies: the i-th acknowledgment is visible at the first event whose total reaches i.
/// </summary>
internal sealed class VoteBook
{
    private readonly IReadOnlyList<string> _tokens;
    private readonly int[] _chosen;
    private readonly string?[] _voteIds;
    private readonly int[] _acknowledged;
    private readonly long[] _acknowledgedAt;
    private readonly Lock _lock = new();
    private readonly double _duplicateShare;
    private readonly double _secondShare;
    private int _nextFresh;
    private int _acknowledgedCount;
    private int _visibleCount;

    public VoteBook(IReadOnlyList<string> tokens, int options, double duplicateShare, double secondShare, bool unlimited = false)
    {
        _tokens = tokens;
        Options = options;
        Unlimited = unlimited;
        _duplicateShare = duplicateShare;
        _secondShare = secondShare;
        _chosen = new int[tokens.Count];
        _voteIds = new string?[tokens.Count];
        _acknowledged = new int[unlimited ? 0 : tokens.Count];
        _acknowledgedAt = new long[unlimited ? 0 : tokens.Count];
    }

    public int Options { get; }

    /// <summary>Baseline mode: one dummy viewer votes forever, nothing is tracked.</summary>
    public bool Unlimited { get; }

    public int Viewers => _tokens.Count;

    /// <summary>Fresh viewers handed out (the run stops when all have voted).</summary>
    public int FirstVotesIssued => Math.Min(Volatile.Read(ref _nextFresh), _tokens.Count);

    public bool Exhausted => !Unlimited && Volatile.Read(ref _nextFresh) >= _tokens.Count;

    public int AcknowledgedCount
    {
        get
        {
            lock (_lock)
            {
                return _acknowledgedCount;
            }
        }
    }

    public int VisibleCount
    {
        get
        {
            lock (_lock)
            {
                return _visibleCount;
            }
        }
    }

    public string Token(int viewer) => _tokens[viewer];

    public string? VoteId(int viewer) => Volatile.Read(ref _voteIds[viewer]);

    /// <summary>The acknowledged vote ids (each the audit seq of its entry).</summary>
    public IReadOnlyCollection<string> AcknowledgedVoteIds()
    {
        lock (_lock)
        {
            return [.. _acknowledged.Take(_acknowledgedCount).Select(v => _voteIds[v]!)];
        }
    }

    /// <summary>The next vote to send, or false once every viewer has cast a first vote.</summary>
    public bool TryNext(Random random, out VoteOrder order)
    {
        if (Unlimited)
        {
            order = new VoteOrder(VoteKind.First, 0, random.Next(Options));
            return true;
        }

        var roll = random.NextDouble();
        if (roll < _duplicateShare + _secondShare && TryPickAcknowledged(random, out var viewer))
        {
            var chosen = _chosen[viewer];
            order = roll < _duplicateShare
                ? new VoteOrder(VoteKind.Retry, viewer, chosen)
                : new VoteOrder(VoteKind.Second, viewer, (chosen + 1 + random.Next(Options - 1)) % Options);
            return true;
        }

        var fresh = Interlocked.Increment(ref _nextFresh) - 1;
        if (fresh >= _tokens.Count)
        {
            order = default;
            return false;
        }

        var option = random.Next(Options);
        _chosen[fresh] = option;
        order = new VoteOrder(VoteKind.First, fresh, option);
        return true;
    }

    /// <summary>A first vote was answered 201 (or 200 to its own retry): it is durable and must be counted.</summary>
    public void Acknowledge(int viewer, string voteId, long timestamp)
    {
        Volatile.Write(ref _voteIds[viewer], voteId);
        lock (_lock)
        {
            _acknowledged[_acknowledgedCount] = viewer;
            _acknowledgedAt[_acknowledgedCount] = timestamp;
            _acknowledgedCount++;
        }
    }

    /// <summary>
    /// A results event with <paramref name="total"/> votes arrived at <paramref name="timestamp"/>: every
    /// acknowledgment numbered up to that total (and not yet seen) became visible now. Returns the timestamps of those
    /// acknowledgments so the caller records their latencies.
    /// </summary>
    public IReadOnlyList<long> ObserveTotal(long total)
    {
        lock (_lock)
        {
            var upTo = (int)Math.Min(total, _acknowledgedCount);
            if (upTo <= _visibleCount)
            {
                return [];
            }

            var seen = _acknowledgedAt[_visibleCount..upTo];
            _visibleCount = upTo;
            return seen;
        }
    }

    private bool TryPickAcknowledged(Random random, out int viewer)
    {
        lock (_lock)
        {
            if (_acknowledgedCount == 0)
            {
                viewer = -1;
                return false;
            }

            viewer = _acknowledged[random.Next(_acknowledgedCount)];
            return true;
        }
    }
}
