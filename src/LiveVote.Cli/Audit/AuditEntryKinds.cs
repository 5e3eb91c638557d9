namespace LiveVote.Cli.Audit;

/// <summary>The audit kinds as the canonical form spells them (part of every hash).</summary>
internal static class AuditEntryKinds
{
    public const string Vote = "vote";
    public const string PollCreated = "poll-created";
    public const string PollOpened = "poll-opened";
    public const string PollClosed = "poll-closed";

    /// <summary>The producer froze the public results of an open poll; data <c>{"totals":{optionId:count}}</c>.</summary>
    public const string ResultsFrozen = "results-frozen";

    /// <summary>The producer released frozen results. No data. (Closing a poll releases a freeze too.)</summary>
    public const string ResultsReleased = "results-released";

    /// <summary>The vote page starts showing viewers the live results after they vote. No data.</summary>
    public const string ViewerResultsShown = "viewer-results-shown";

    /// <summary>The vote page stops showing viewers the results. No data.</summary>
    public const string ViewerResultsHidden = "viewer-results-hidden";

    /// <summary>The public results carry no counts until a reveal (counting goes on). No data.</summary>
    public const string ResultsHidden = "results-hidden";

    /// <summary>The public results show the counts again. No data.</summary>
    public const string ResultsRevealed = "results-revealed";

    /// <summary>A closed poll left out of the public list. No data.</summary>
    public const string PollArchived = "poll-archived";

    /// <summary>An archived poll back in the public list. No data.</summary>
    public const string PollUnarchived = "poll-unarchived";

    /// <summary>The producer's presentation changes: they change what is shown, never what is counted.</summary>
    public static readonly string[] Presentation =
        [ResultsFrozen, ResultsReleased, ViewerResultsShown, ViewerResultsHidden, ResultsHidden, ResultsRevealed, PollArchived, PollUnarchived];

    /// <summary>
    /// A draft's new definition; data as <see cref="PollCreated"/>'s. The poll is counted by it from here on (a draft has
    /// no votes).
    /// </summary>
    public const string PollEdited = "poll-edited";

    /// <summary>A draft deleted: no entry of the poll may follow. No data.</summary>
    public const string PollDeleted = "poll-deleted";

    /// <summary>A note: a vote challenged or refused by the risk score. Poll and voter of the vote, no option, JSON data.</summary>
    public const string RiskDecision = "risk-decision";

    /// <summary>A note: a network locked out after wrong admin keys. No poll, voter or option; JSON data.</summary>
    public const string AdminLockout = "admin-lockout";

    /// <summary>
    /// A closed poll's voter-key secret was destroyed after its audit period (crypto-shredding). Poll only; no voter,
    /// option or data. The poll's votes, logs and result verify as before: only the link to viewers is gone.
    /// </summary>
    public const string VoterKeysDestroyed = "voter-keys-destroyed";

    /// <summary>
    /// The order kinds are listed in a summary. <see cref="VoterKeysDestroyed"/> is not among them: it is listed after
    /// them, like any other kind, only when the trail holds it, so the summary of a trail without it reads as before.
    /// </summary>
    public static readonly string[] All =
        [PollCreated, PollOpened, PollClosed, Vote, RiskDecision, AdminLockout, ResultsFrozen, ResultsReleased, ViewerResultsShown, ViewerResultsHidden];
}
