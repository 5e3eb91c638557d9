using Npgsql;

namespace LiveVote.Cli.Audit.Postgres;

/// <summary>
/// Reads every poll-created, poll-opened and poll-closed entry of every chain before the votes are checked: a vote in
/// one writer's chain may belong to a poll another writer created or opened. Entries are taken in <c>at</c> order (ties
/// by insert position) since chains have no total order, and replayed as draft -> open -> closed, each poll created
/// once, opened once and closed once. The producer's presentation entries (freeze, release, viewer results) are
/// replayed among them in the same order. Their links are checked later with the rest of their chains.
/// </summary>
internal static class PollEntriesPass
{
    public static Dictionary<string, SharedPoll> Read(NpgsqlConnection connection, NpgsqlTransaction transaction, ProblemLog problems, List<SharedPoll> inOrder)
    {
        var polls = new Dictionary<string, SharedPoll>(StringComparer.Ordinal);
        using var command = new NpgsqlCommand($"""
            SELECT writer_id, seq, kind, poll_id, voter_key IS NOT NULL, option_id, at, data FROM audit
            WHERE kind IN ('{AuditEntryKinds.PollCreated}', '{AuditEntryKinds.PollOpened}', '{AuditEntryKinds.PollClosed}',
                '{AuditEntryKinds.ResultsFrozen}', '{AuditEntryKinds.ResultsReleased}', '{AuditEntryKinds.ViewerResultsShown}', '{AuditEntryKinds.ViewerResultsHidden}')
            ORDER BY at, pos
            """, connection, transaction);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var entry = new EntryRef(reader.GetInt32(0), reader.GetInt64(1));
            var kind = reader.GetString(2);
            var pollId = reader.IsDBNull(3) ? null : reader.GetString(3);
            var hasVoter = reader.GetBoolean(4);
            var optionId = reader.IsDBNull(5) ? null : reader.GetString(5);
            var at = reader.GetInt64(6);
            var data = reader.IsDBNull(7) ? null : reader.GetString(7);
            if (kind == AuditEntryKinds.PollCreated)
            {
                Created(entry, pollId, hasVoter || optionId is not null, at, data, polls, inOrder, problems);
                continue;
            }

            if (AuditEntryKinds.Presentation.Contains(kind))
            {
                Presentation(entry, kind, pollId, hasVoter || optionId is not null, data, polls, problems);
                continue;
            }

            if (hasVoter || optionId is not null || data is not null)
            {
                problems.AtEntry(entry.Chain, entry.Seq, $"{kind} entry carries a voter_key, an option_id or data");
            }

            if (!TryFindPoll(entry, kind, pollId, polls, problems, out var poll))
            {
                continue;
            }

            if (kind == AuditEntryKinds.PollOpened)
            {
                if (poll.Opened is { } opened)
                {
                    problems.AtEntry(entry.Chain, entry.Seq, $"poll-opened: poll {poll.Id} is opened again (first opened at {opened})");
                }
                else
                {
                    poll.Open(entry, at);
                }
            }
            else if (poll.Closed is { } closed)
            {
                problems.AtEntry(entry.Chain, entry.Seq, $"poll-closed: poll {poll.Id} is closed again (first closed at {closed})");
            }
            else if (poll.Opened is null)
            {
                // Not applied: votes are judged by the state the valid history gives the poll.
                problems.AtEntry(entry.Chain, entry.Seq, $"poll-closed: poll {poll.Id} was not open at {at}");
            }
            else
            {
                poll.Close(entry, at);
                poll.Presentation.Closed();
            }
        }

        return polls;
    }

    /// <summary>The poll a poll-level entry names, or a problem when it names none or one not created by then.</summary>
    private static bool TryFindPoll(
        EntryRef entry, string kind, string? pollId, Dictionary<string, SharedPoll> polls, ProblemLog problems,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SharedPoll? poll)
    {
        poll = null;
        if (pollId is not null && polls.TryGetValue(pollId, out poll))
        {
            return true;
        }

        problems.AtEntry(entry.Chain, entry.Seq, pollId is null
            ? $"{kind} entry has no poll_id"
            : $"{kind} for poll {pollId}, which no poll-created entry at or before its time creates");
        return false;
    }

    private static void Presentation(
        EntryRef entry, string kind, string? pollId, bool carriesVote, string? data, Dictionary<string, SharedPoll> polls, ProblemLog problems)
    {
        if (carriesVote)
        {
            problems.AtEntry(entry.Chain, entry.Seq, $"{kind} entry carries a voter_key or an option_id");
        }

        if (!TryFindPoll(entry, kind, pollId, polls, problems, out var poll))
        {
            return;
        }

        if (poll.Presentation.Apply(kind, data, poll.Status, poll.Definition, entry.ToString()) is { } problem)
        {
            problems.AtEntry(entry.Chain, entry.Seq, $"{problem} (poll {poll.Id})");
        }
    }

    private static void Created(
        EntryRef entry, string? pollId, bool carriesVote, long at, string? data, Dictionary<string, SharedPoll> polls, List<SharedPoll> inOrder, ProblemLog problems)
    {
        if (carriesVote)
        {
            problems.AtEntry(entry.Chain, entry.Seq, "poll-created entry carries a voter_key or an option_id");
        }

        if (pollId is not { Length: > 0 })
        {
            problems.AtEntry(entry.Chain, entry.Seq, "poll-created entry has no poll_id");
            return;
        }

        if (polls.TryGetValue(pollId, out var existing))
        {
            problems.AtEntry(entry.Chain, entry.Seq, $"poll {pollId} is created again (first created at {existing.Created})");
            return;
        }

        var definition = PollDefinition.TryParse(data, out var error);
        if (definition is null)
        {
            problems.AtEntry(entry.Chain, entry.Seq, $"poll-created entry of poll {pollId}: {error}");
        }

        var poll = new SharedPoll(pollId, entry, at, definition);
        polls.Add(pollId, poll);
        inOrder.Add(poll);
    }
}
