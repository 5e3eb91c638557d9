namespace LiveVote.Cli.Audit.Postgres;

/// <summary>Where an entry is in a PostgreSQL store: seq <see cref="Seq"/> of writer <see cref="Chain"/>'s chain.</summary>
internal readonly record struct EntryRef(int Chain, long Seq)
{
    public override string ToString() => $"chain {Chain} seq {Seq}";
}

/// <summary>
/// One poll of a PostgreSQL store as the audit chains record it. Chains interleave without a total order, so the
/// poll's life is known by the <c>at</c> times of its poll-created, poll-opened and poll-closed entries (whichever chain
/// holds them), and a vote is judged by its own <c>at</c> against them. Also the per-poll dedup set (voter key -> the
/// vote entry) over ALL chains, the recount per option, and per option and writer (each writer owns its tally rows).
/// </summary>
internal sealed class SharedPoll(string id, EntryRef created, long createdAt, PollDefinition? definition)
{
    private readonly Dictionary<UInt128, EntryRef> _voters = [];
    private readonly Dictionary<(int Option, int Writer), long> _countsByWriter = [];

    public string Id { get; } = id;

    public EntryRef Created { get; } = created;

    public long CreatedAt { get; } = createdAt;

    /// <summary>Null when the poll-created entry held no valid definition (already reported); options are then unknown.</summary>
    public PollDefinition? Definition { get; } = definition;

    /// <summary>Viewer results and the frozen snapshot, as the producer's entries set them (replayed in time order).</summary>
    public PollPresentation Presentation { get; } = new(definition?.ShowResultsToViewers ?? false);

    public EntryRef? Opened { get; private set; }

    public long OpenedAt { get; private set; }

    public EntryRef? Closed { get; private set; }

    public long ClosedAt { get; private set; }

    public string Status => Closed is not null ? PollStates.Closed : Opened is not null ? PollStates.Open : PollStates.Draft;

    public long[] Counts { get; } = new long[definition?.Options.Count ?? 0];

    public long Votes { get; private set; }

    public void Open(EntryRef entry, long at)
    {
        Opened = entry;
        OpenedAt = at;
    }

    public void Close(EntryRef entry, long at)
    {
        Closed = entry;
        ClosedAt = at;
    }

    public int IndexOfOption(string? optionId) => Definition?.IndexOfOption(optionId) ?? -1;

    /// <summary>The entry of this voter's vote in this poll, if any chain read so far holds one.</summary>
    public bool TryGetVote(UInt128 voter, out EntryRef entry) => _voters.TryGetValue(voter, out entry);

    /// <summary>Records a voter's first vote and counts it (for its writer too) when its option is known.</summary>
    public void Count(UInt128 voter, EntryRef entry, int optionIndex)
    {
        _voters.Add(voter, entry);
        if (optionIndex >= 0)
        {
            Counts[optionIndex]++;
            Votes++;
            var key = (optionIndex, entry.Chain);
            _countsByWriter[key] = _countsByWriter.GetValueOrDefault(key) + 1;
        }
    }

    /// <summary>How many votes for the option the given writer's chain holds.</summary>
    public long CountOf(int optionIndex, int writer) => _countsByWriter.GetValueOrDefault((optionIndex, writer));

    /// <summary>The writers whose chains hold votes for the option.</summary>
    public IEnumerable<int> WritersOf(int optionIndex) =>
        _countsByWriter.Keys.Where(k => k.Option == optionIndex).Select(k => k.Writer);

    public PollRecountSummary Summary() => new(
        Id,
        Definition?.Title ?? "",
        Status,
        Votes,
        [.. (Definition?.Options ?? []).Select((o, i) => new OptionRecount(o.Id, Counts[i]))]);
}
