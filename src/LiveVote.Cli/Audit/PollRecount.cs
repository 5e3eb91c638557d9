namespace LiveVote.Cli.Audit;

/// <summary>Poll states as the audit chain moves them: draft -> open -> closed, nothing else.</summary>
internal static class PollStates
{
    public const string Draft = "draft";
    public const string Open = "open";
    public const string Closed = "closed";
}

/// <summary>
/// One poll as replayed from the chain: its definition, its state at the current point of the chain, who has voted
/// (voter key -> seq of their vote: the per-poll dedup set) and the recount per option.
/// </summary>
internal sealed class PollRecount(string id, long createdSeq, PollDefinition? definition)
{
    private readonly Dictionary<UInt128, long> _voters = [];

    public string Id { get; } = id;

    public long CreatedSeq { get; } = createdSeq;

    /// <summary>Null when the poll-created entry held no valid definition (already reported); options are then unknown.</summary>
    public PollDefinition? Definition { get; } = definition;

    public string Status { get; set; } = PollStates.Draft;

    /// <summary>Viewer results and the frozen snapshot, as the producer's entries set them.</summary>
    public PollPresentation Presentation { get; } = new(definition?.ShowResultsToViewers ?? false);

    public long[] Counts { get; } = new long[definition?.Options.Count ?? 0];

    public long Votes { get; private set; }

    public int IndexOfOption(string? optionId) => Definition?.IndexOfOption(optionId) ?? -1;

    /// <summary>The seq of this voter's vote in this poll, if any so far.</summary>
    public bool TryGetVote(UInt128 voter, out long seq) => _voters.TryGetValue(voter, out seq);

    /// <summary>Records a voter's first vote and counts it when its option is known.</summary>
    public void Count(UInt128 voter, long seq, int optionIndex)
    {
        _voters.Add(voter, seq);
        if (optionIndex >= 0)
        {
            Counts[optionIndex]++;
            Votes++;
        }
    }

    public PollRecountSummary Summary() => new(
        Id,
        Definition?.Title ?? "",
        Status,
        Votes,
        [.. (Definition?.Options ?? []).Select((o, i) => new OptionRecount(o.Id, Counts[i]))]);
}
