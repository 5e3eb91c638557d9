namespace LiveVote.Cli.Audit;

/// <summary>Poll states as the audit entries move them: draft -> open -> closed, nothing else.</summary>
internal static class PollStates
{
    public const string Draft = "draft";
    public const string Open = "open";
    public const string Closed = "closed";
}

/// <summary>
/// One poll as the audit entries record it: its definition, the entries (and their <c>at</c> times) that created,
/// opened and closed it, its presentation, who has voted (voter key -> their vote entry: the per-poll dedup set, over
/// all chains) and the recount per option, and per option and chain (each writer keeps its own tally rows).
/// </summary>
internal sealed class PollRecount(string id, EntryRef created, long createdAt, PollDefinition? definition)
{
    private readonly Dictionary<UInt128, EntryRef> _voters = [];
    private readonly Dictionary<(int Option, int Chain), long> _countsByChain = [];

    public string Id { get; } = id;

    public EntryRef Created { get; } = created;

    public long CreatedAt { get; } = createdAt;

    /// <summary>Null when the poll-created entry held no valid definition (already reported); options are then unknown.</summary>
    /// <summary>A poll-edited entry replaces it (only while the poll is a draft).</summary>
    public PollDefinition? Definition { get; private set; } = definition;

    /// <summary>Viewer results, hidden results, archive and the frozen snapshot, as the producer's entries set them.</summary>
    public PollPresentation Presentation { get; } = new(definition?.ShowResultsToViewers ?? false, definition?.HideResultsUntilReveal ?? false);

    /// <summary>The poll-deleted entry that deleted the draft, if any: no entry of the poll may follow it.</summary>
    public EntryRef? Deleted { get; private set; }

    /// <summary>The poll-opened entry that opened it (the first valid one), if any.</summary>
    public EntryRef? Opened { get; private set; }

    public long OpenedAt { get; private set; }

    /// <summary>The poll-closed entry that closed it (the first valid one), if any.</summary>
    public EntryRef? Closed { get; private set; }

    public long ClosedAt { get; private set; }

    /// <summary>The state its history has given it so far (once replayed: its last state).</summary>
    public string Status => Closed is not null ? PollStates.Closed : Opened is not null ? PollStates.Open : PollStates.Draft;

    public long[] Counts { get; private set; } = new long[definition?.Options.Count ?? 0];

    /// <summary>A draft's new definition (poll-edited): a draft has no votes, so its counts start again with the new options.</summary>
    public void Redefine(PollDefinition edited)
    {
        Definition = edited;
        Counts = new long[edited.Options.Count];
        Presentation.Redefined(edited);
    }

    public void Delete(EntryRef entry) => Deleted = entry;

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

    /// <summary>The entry of this voter's vote in this poll, if any chain walked so far holds one.</summary>
    public bool TryGetVote(UInt128 voter, out EntryRef entry) => _voters.TryGetValue(voter, out entry);

    /// <summary>Records a voter's first vote and counts it (for its chain too) when its option is known.</summary>
    public void Count(UInt128 voter, EntryRef entry, int optionIndex)
    {
        _voters.Add(voter, entry);
        if (optionIndex >= 0)
        {
            Counts[optionIndex]++;
            Votes++;
            var key = (optionIndex, entry.Chain);
            _countsByChain[key] = _countsByChain.GetValueOrDefault(key) + 1;
        }
    }

    /// <summary>How many votes for the option the given chain holds.</summary>
    public long CountOf(int optionIndex, int chain) => _countsByChain.GetValueOrDefault((optionIndex, chain));

    /// <summary>The chains that hold votes for the option.</summary>
    public IEnumerable<int> ChainsOf(int optionIndex) =>
        _countsByChain.Keys.Where(k => k.Option == optionIndex).Select(k => k.Chain);

    public PollRecountSummary Summary() => new(
        Id,
        Definition?.Title ?? "",
        Status,
        Votes,
        [.. (Definition?.Options ?? []).Select((o, i) => new OptionRecount(o.Id, Counts[i]))]);
}
