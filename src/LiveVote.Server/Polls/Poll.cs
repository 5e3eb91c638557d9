using System.Collections.Immutable;

namespace LiveVote.Server.Polls;

public enum PollStatus
{
    Draft,
    Open,
    Closed,
}

public sealed record PollOption(string Id, string Label);

/// <summary>
/// The public results as they were when the producer froze them: one count per option, in the poll's option order.
/// </summary>
public sealed record FrozenResults(ImmutableArray<long> Totals, DateTimeOffset At);

/// <summary>
/// A poll as the producer defines it. Immutable: a status change makes a new instance, so readers on request threads
/// never see a half-applied change made by the batch writer.
/// </summary>
public sealed record Poll(
    string Id,
    string Title,
    ImmutableArray<PollOption> Options,
    PollStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? OpenedAt,
    DateTimeOffset? ClosedAt)
{
    /// <summary>Whether the vote page shows a viewer the live results after their vote. Presentation only.</summary>
    public bool ShowResultsToViewers { get; init; }

    /// <summary>Set while the producer holds the public results (the on-air graphic) still; counting goes on.</summary>
    public FrozenResults? Frozen { get; init; }

    /// <summary>
    /// Counts freezes and releases (never goes down), so a shared store's published results version moves with them
    /// even when no vote arrived in between.
    /// </summary>
    public long ResultsRevision { get; init; }

    /// <summary>
    /// How many store partitions the poll's voters are spread over (<see cref="Votes.VoterPartitioner"/>), fixed when
    /// it is created: dedup is per (poll, voter) inside one partition, so a poll's voters never move mid-poll.
    /// </summary>
    public int PartitionCount { get; init; } = 1;

    /// <summary>
    /// The poll's own voter-key secret, wrapped (<see cref="Votes.PollVoterKeys"/>); made once when the poll is created
    /// and stored with it in every partition, so every node derives the same key (and partition) for a viewer. Null for a
    /// poll created before per-poll secrets (the fleet-wide derivation) and once destroyed.
    /// </summary>
    public Votes.PollVoterSecret? VoterSecret { get; init; }

    /// <summary>When the retention service destroyed <see cref="VoterSecret"/> (crypto-shredding); null while it exists.</summary>
    public DateTimeOffset? VoterKeysDestroyedAt { get; init; }

    /// <summary>
    /// The join code (<see cref="PollCodes"/>), upper-case; unique among the polls not deleted. The producer's or a random
    /// one for a poll created through the API; by default the one derived from the id (<see cref="PollCodes.Derived"/>),
    /// which is also what a poll stored before join codes existed gets.
    /// </summary>
    public string Code { get; init; } = PollCodes.Derived(Id);

    /// <summary>The public results carry no counts until the producer reveals them. Presentation only: counting goes on.</summary>
    public bool ResultsHidden { get; init; }

    /// <summary>When the closed poll was archived: left out of the public list, otherwise as it was. Null when not archived.</summary>
    public DateTimeOffset? ArchivedAt { get; init; }

    /// <summary>
    /// When the draft was deleted: the poll is unknown to everyone from then on, but its row stays (marked) so the audit
    /// trail's poll-created entry still has a poll to match.
    /// </summary>
    public DateTimeOffset? DeletedAt { get; init; }

    /// <summary>The option's index in <see cref="Options"/>, or -1. Linear: polls have at most a few dozen options.</summary>
    public int IndexOfOption(string optionId)
    {
        var options = Options;
        for (var i = 0; i < options.Length; i++)
        {
            if (string.Equals(options[i].Id, optionId, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// The poll after a producer's <paramref name="change"/> (any but <see cref="PollCommandKind.Create"/>), with the
    /// audit kind that records it; or a refusal, or "already so" (nothing to store). <paramref name="liveTotals"/> are the
    /// counts a freeze holds (only read for <see cref="PollCommandKind.FreezeResults"/>); <paramref name="edited"/> the new
    /// definition of an <see cref="PollCommandKind.Edit"/>.
    /// </summary>
    internal PollTransition Apply(PollCommandKind change, DateTimeOffset at, ReadOnlySpan<long> liveTotals, Poll? edited = null) => change switch
    {
        _ when DeletedAt is not null => change == PollCommandKind.Delete ? new(this, null) : PollTransition.Refused,
        PollCommandKind.Edit when Status == PollStatus.Draft && edited is not null =>
            SameDefinition(edited) ? new(this, null) : new(Redefine(edited), Audit.AuditKinds.PollEdited),
        PollCommandKind.Delete when Status == PollStatus.Draft => new(this with { DeletedAt = at }, Audit.AuditKinds.PollDeleted),
        PollCommandKind.Archive when Status == PollStatus.Closed =>
            ArchivedAt is null ? new(this with { ArchivedAt = at }, Audit.AuditKinds.PollArchived) : new(this, null),
        PollCommandKind.Unarchive when Status == PollStatus.Closed =>
            ArchivedAt is null ? new(this, null) : new(this with { ArchivedAt = null }, Audit.AuditKinds.PollUnarchived),
        PollCommandKind.RevealResults or PollCommandKind.HideResults =>
            ResultsHidden == (change == PollCommandKind.HideResults)
                ? new(this, null)
                : new(this with { ResultsHidden = !ResultsHidden, ResultsRevision = ResultsRevision + 1 },
                    ResultsHidden ? Audit.AuditKinds.ResultsRevealed : Audit.AuditKinds.ResultsHiddenUntilReveal),
        PollCommandKind.Open when CanMoveTo(PollStatus.Open) => new(MoveTo(PollStatus.Open, at), Audit.AuditKinds.PollOpened),
        PollCommandKind.Close when CanMoveTo(PollStatus.Closed) => new(MoveTo(PollStatus.Closed, at), Audit.AuditKinds.PollClosed),
        PollCommandKind.FreezeResults when CanFreezeResults => new(FreezeResults(liveTotals, at), Audit.AuditKinds.ResultsFrozen),
        PollCommandKind.ReleaseResults when Frozen is not null => new(ReleaseResults(), Audit.AuditKinds.ResultsReleased),
        PollCommandKind.ShowResultsToViewers or PollCommandKind.HideResultsFromViewers =>
            ShowResultsToViewers == (change == PollCommandKind.ShowResultsToViewers)
                ? new(this, null)
                : new(WithViewerResults(!ShowResultsToViewers), ShowResultsToViewers ? Audit.AuditKinds.ViewerResultsHidden : Audit.AuditKinds.ViewerResultsShown),
        PollCommandKind.DestroyVoterKeys when VoterKeysDestroyedAt is not null => new(this, null),
        PollCommandKind.DestroyVoterKeys when Status == PollStatus.Closed && VoterSecret is not null =>
            new(this with { VoterSecret = null, VoterKeysDestroyedAt = at }, Audit.AuditKinds.VoterKeysDestroyed),
        PollCommandKind.Create => throw new ArgumentOutOfRangeException(nameof(change), "A poll is created, not changed."),
        _ => PollTransition.Refused,
    };

    /// <summary>Whether <paramref name="other"/> defines the poll as it is: an edit to it changes nothing.</summary>
    public bool SameDefinition(Poll other) =>
        Title == other.Title && Options.SequenceEqual(other.Options) && ShowResultsToViewers == other.ShowResultsToViewers
        && Code == other.Code && ResultsHidden == other.ResultsHidden;

    /// <summary>
    /// The draft with the producer's new definition. Its results revision moves: the options (so the results' shape) may
    /// have changed, and a shared store orders a poll's states by it (<see cref="PollRegistry.IsOlder"/>).
    /// </summary>
    private Poll Redefine(Poll edited) => this with
    {
        Title = edited.Title,
        Options = edited.Options,
        ShowResultsToViewers = edited.ShowResultsToViewers,
        Code = edited.Code,
        ResultsHidden = edited.ResultsHidden,
        ResultsRevision = ResultsRevision + 1,
    };

    /// <summary>draft -> open -> closed; nothing else (a closed poll is never reopened: its result went on air).</summary>
    public bool CanMoveTo(PollStatus next) =>
        (Status, next) is (PollStatus.Draft, PollStatus.Open) or (PollStatus.Open, PollStatus.Closed);

    public Poll MoveTo(PollStatus next, DateTimeOffset at)
    {
        if (!CanMoveTo(next))
        {
            throw new InvalidOperationException($"Poll {Id} cannot move from {Status} to {next}.");
        }

        // Closing releases a freeze: the final result always goes out as counted.
        return next == PollStatus.Open ? this with { Status = next, OpenedAt = at } : this with { Status = next, ClosedAt = at, Frozen = null };
    }

    /// <summary>Only an open poll's results can be frozen, and only once until released.</summary>
    public bool CanFreezeResults => Status == PollStatus.Open && Frozen is null;

    public Poll FreezeResults(ReadOnlySpan<long> totals, DateTimeOffset at)
    {
        if (!CanFreezeResults)
        {
            throw new InvalidOperationException($"Poll {Id} cannot freeze its results now.");
        }

        var aligned = new long[Options.Length];
        totals[..Math.Min(totals.Length, aligned.Length)].CopyTo(aligned);
        return this with { Frozen = new FrozenResults([.. aligned], at), ResultsRevision = ResultsRevision + 1 };
    }

    public Poll ReleaseResults() =>
        Frozen is null
            ? throw new InvalidOperationException($"Poll {Id} has no frozen results to release.")
            : this with { Frozen = null, ResultsRevision = ResultsRevision + 1 };

    public Poll WithViewerResults(bool show) => this with { ShowResultsToViewers = show };

    public static string StatusName(PollStatus status) => status switch
    {
        PollStatus.Draft => "draft",
        PollStatus.Open => "open",
        PollStatus.Closed => "closed",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static bool TryParseStatus(string value, out PollStatus status)
    {
        switch (value)
        {
            case "draft": status = PollStatus.Draft; return true;
            case "open": status = PollStatus.Open; return true;
            case "closed": status = PollStatus.Closed; return true;
            default: status = default; return false;
        }
    }
}

/// <summary>
/// The outcome of <see cref="Poll.Apply"/>: the next state and the audit kind recording it; the same poll and no audit
/// kind when it is already so; no poll when the change is refused in the poll's current state.
/// </summary>
internal readonly record struct PollTransition(Poll? Next, string? AuditKind)
{
    public static PollTransition Refused => default;

    public bool IsRefused => Next is null;

    public bool IsUnchanged => Next is not null && AuditKind is null;
}
