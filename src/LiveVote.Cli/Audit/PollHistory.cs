namespace LiveVote.Cli.Audit;

/// <summary>
/// Replays the polls' lives before any vote is judged: poll-created, poll-opened and poll-closed entries and the
/// producer's presentation entries (freeze, release, viewer results), in the order the store says they happened (see
/// <see cref="AuditStore.PollEntries"/>). Each poll is created once, and moves draft -> open -> closed; a transition
/// that does not fit is reported and not applied, so votes are judged by the state the valid history gives the poll.
/// A vote in one writer's chain may belong to a poll another writer created or opened, hence this pass of its own.
/// The entries' links are checked later, with the rest of their chains.
/// </summary>
internal sealed class PollHistory(ProblemLog problems)
{
    /// <summary>The kinds replayed here.</summary>
    public static readonly string[] Kinds =
    [
        AuditEntryKinds.PollCreated, AuditEntryKinds.PollOpened, AuditEntryKinds.PollClosed, .. AuditEntryKinds.Presentation,
        AuditEntryKinds.VoterKeysDestroyed, AuditEntryKinds.PollEdited, AuditEntryKinds.PollDeleted,
    ];

    private readonly Dictionary<string, PollRecount> _polls = new(StringComparer.Ordinal);
    private readonly List<PollRecount> _inOrder = [];

    // Polls whose voter-key secret an entry destroyed (once each, in each partition's trail).
    private readonly HashSet<string> _keysDestroyed = new(StringComparer.Ordinal);

    /// <summary><see cref="Kinds"/> as an SQL list, for <c>WHERE kind IN (...)</c> (constants, nothing from outside).</summary>
    public static string KindsSql => string.Join(", ", Kinds.Select(k => $"'{k}'"));

    /// <summary>Polls in the order they were created.</summary>
    public IReadOnlyList<PollRecount> Polls => _inOrder;

    /// <summary>The problem of an entry naming a poll that was not created before it.</summary>
    public static string NotCreated(string kind, string pollId) => $"{kind} for poll {pollId}, which no earlier entry created";

    public void Replay(IEnumerable<StoredEntry> entries, CancellationToken cancellationToken)
    {
        foreach (var entry in entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            switch (entry.Kind)
            {
                case AuditEntryKinds.PollCreated:
                    Created(entry);
                    break;
                case AuditEntryKinds.PollOpened:
                    Transition(entry, PollStates.Draft, PollStates.Open);
                    break;
                case AuditEntryKinds.PollClosed:
                    Transition(entry, PollStates.Open, PollStates.Closed);
                    break;
                case AuditEntryKinds.ResultsFrozen or AuditEntryKinds.ResultsReleased
                    or AuditEntryKinds.ViewerResultsShown or AuditEntryKinds.ViewerResultsHidden
                    or AuditEntryKinds.ResultsHidden or AuditEntryKinds.ResultsRevealed
                    or AuditEntryKinds.PollArchived or AuditEntryKinds.PollUnarchived:
                    Presentation(entry);
                    break;
                case AuditEntryKinds.PollEdited:
                    Edited(entry);
                    break;
                case AuditEntryKinds.PollDeleted:
                    DeletedDraft(entry);
                    break;
                case AuditEntryKinds.VoterKeysDestroyed:
                    KeysDestroyed(entry);
                    break;
            }
        }
    }

    /// <summary>The poll an entry names, or null (and a problem) when it names none or one no entry created.</summary>
    public PollRecount? Find(StoredEntry entry)
    {
        if (entry.PollId is null)
        {
            problems.At(entry.Ref, $"{entry.Kind} entry has no poll_id");
            return null;
        }

        if (!_polls.TryGetValue(entry.PollId, out var poll))
        {
            problems.At(entry.Ref, NotCreated(entry.Kind, entry.PollId));
            return null;
        }

        if (poll.Deleted is { } deleted)
        {
            problems.At(entry.Ref, $"{entry.Kind} for poll {poll.Id}, which was deleted at {problems.Where(deleted)}");
            return null;
        }

        return poll;
    }

    /// <summary>The poll with this id, if an entry created it (no problem when not: for votes rows that name it).</summary>
    public PollRecount? Get(string? pollId) => pollId is not null && _polls.TryGetValue(pollId, out var poll) ? poll : null;

    private void Created(StoredEntry entry)
    {
        if (entry.HasVoterKey || entry.OptionId is not null)
        {
            problems.At(entry.Ref, "poll-created entry carries a voter_key or an option_id");
        }

        if (entry.PollId is not { Length: > 0 } pollId)
        {
            problems.At(entry.Ref, "poll-created entry has no poll_id");
            return;
        }

        if (_polls.TryGetValue(pollId, out var existing))
        {
            problems.At(entry.Ref, $"poll {pollId} is created again (first created at {problems.Where(existing.Created)})");
            return;
        }

        var definition = PollDefinition.TryParse(entry.Data, out var error);
        if (definition is null)
        {
            problems.At(entry.Ref, $"poll-created entry of poll {pollId}: {error}");
        }

        var poll = new PollRecount(pollId, entry.Ref, entry.AtUnixMs, definition);
        _polls.Add(pollId, poll);
        _inOrder.Add(poll);
    }

    private void Transition(StoredEntry entry, string from, string to)
    {
        if (entry.HasVoterKey || entry.OptionId is not null || !OperatorData.IsNoneOrOperatorOnly(entry.Data))
        {
            problems.At(entry.Ref, $"{entry.Kind} entry carries a voter_key, an option_id or data");
        }

        if (Find(entry) is not { } poll)
        {
            return;
        }

        if (poll.Status != from)
        {
            // Not applied: votes are judged by the state the valid history gives the poll.
            problems.At(entry.Ref, $"{entry.Kind}: poll {poll.Id} cannot move from {poll.Status} to {to}");
            return;
        }

        if (to == PollStates.Open)
        {
            poll.Open(entry.Ref, entry.AtUnixMs);
        }
        else
        {
            poll.Close(entry.Ref, entry.AtUnixMs);
            poll.Presentation.Closed();
        }
    }

    /// <summary>A producer's presentation change: valid only in the poll's state at that point of its history.</summary>
    private void Presentation(StoredEntry entry)
    {
        if (entry.HasVoterKey || entry.OptionId is not null)
        {
            problems.At(entry.Ref, $"{entry.Kind} entry carries a voter_key or an option_id");
        }

        if (Find(entry) is { } poll
            && poll.Presentation.Apply(entry.Kind, entry.Data, poll.Status, poll.Definition, entry.Ref) is { } problem)
        {
            problems.At(entry.Ref, $"{problem} (poll {poll.Id})");
        }
    }

    /// <summary>A draft's new definition: valid only while the poll is a draft (it has no votes to recount).</summary>
    private void Edited(StoredEntry entry)
    {
        if (entry.HasVoterKey || entry.OptionId is not null)
        {
            problems.At(entry.Ref, "poll-edited entry carries a voter_key or an option_id");
        }

        if (Find(entry) is not { } poll)
        {
            return;
        }

        if (poll.Status != PollStates.Draft)
        {
            problems.At(entry.Ref, $"poll-edited: poll {poll.Id} is {poll.Status}, only a draft is edited");
            return;
        }

        if (PollDefinition.TryParse(entry.Data, out var error) is { } edited)
        {
            poll.Redefine(edited);
        }
        else
        {
            problems.At(entry.Ref, $"poll-edited entry of poll {poll.Id}: {error}");
        }
    }

    /// <summary>A draft's deletion: valid once, while the poll is a draft; no entry of the poll may follow.</summary>
    private void DeletedDraft(StoredEntry entry)
    {
        if (entry.HasVoterKey || entry.OptionId is not null || !OperatorData.IsNoneOrOperatorOnly(entry.Data))
        {
            problems.At(entry.Ref, $"{entry.Kind} entry carries a voter_key, an option_id or data");
        }

        if (Find(entry) is not { } poll)
        {
            return;
        }

        if (poll.Status != PollStates.Draft)
        {
            problems.At(entry.Ref, $"poll-deleted: poll {poll.Id} is {poll.Status}, only a draft is deleted");
            return;
        }

        poll.Delete(entry.Ref);
    }

    /// <summary>Crypto-shredding: valid once, after the poll closed; it changes nothing that is counted.</summary>
    private void KeysDestroyed(StoredEntry entry)
    {
        if (entry.HasVoterKey || entry.OptionId is not null || !OperatorData.IsNoneOrOperatorOnly(entry.Data))
        {
            problems.At(entry.Ref, $"{entry.Kind} entry carries a voter_key, an option_id or data");
        }

        if (Find(entry) is not { } poll)
        {
            return;
        }

        if (poll.Status != PollStates.Closed)
        {
            problems.At(entry.Ref, $"{entry.Kind}: poll {poll.Id} is {poll.Status}, its voter keys are destroyed only after it closed");
        }
        else if (!_keysDestroyed.Add(poll.Id))
        {
            problems.At(entry.Ref, $"{entry.Kind}: the voter keys of poll {poll.Id} were destroyed already");
        }
    }
}
