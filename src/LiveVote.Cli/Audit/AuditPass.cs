using Microsoft.Data.Sqlite;

namespace LiveVote.Cli.Audit;

/// <summary>
/// One streaming pass over the <c>audit</c> table in seq order. For each entry it checks the chain (seqs consecutive
/// from 1, <c>prev_hash</c> = the previous entry's stored hash, genesis = 32 zero bytes, <c>hash</c> recomputed from the
/// stored fields), replays poll states (created -> opened -> closed) and votes (poll open, option defined, one vote per
/// voter and poll), checks the shape of notes (risk decisions, admin lockouts, which count nothing), recounts per
/// option, and merges the <c>votes</c> table in on seq.
/// <para>
/// Each link is checked against the stored previous hash rather than a running recomputed one, so one tampered entry
/// is reported once instead of breaking every later link; when no link fails, the whole chain from genesis to the head
/// is proven by induction.
/// </para>
/// </summary>
internal sealed class AuditPass(SqliteConnection connection, SqliteTransaction transaction, ProblemLog problems)
{
    private readonly Dictionary<string, PollRecount> _polls = new(StringComparer.Ordinal);
    private readonly List<PollRecount> _pollsInOrder = [];
    private readonly Dictionary<string, long> _entriesByKind = new(StringComparer.Ordinal);
    private byte[] _previousHash = AuditLinkHasher.Genesis.ToArray();

    public long Entries { get; private set; }

    public long VoteEntries { get; private set; }

    public long VoteRows { get; private set; }

    public long HeadSeq { get; private set; }

    public byte[] HeadHash { get; private set; } = AuditLinkHasher.Genesis.ToArray();

    /// <summary>How many entries of each kind, known kinds first in <see cref="AuditEntryKinds.All"/> order.</summary>
    public IReadOnlyList<KindCount> EntriesByKind =>
    [
        .. AuditEntryKinds.All.Select(k => new KindCount(k, _entriesByKind.GetValueOrDefault(k))),
        .. _entriesByKind.Where(k => !AuditEntryKinds.All.Contains(k.Key)).OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => new KindCount(k.Key, k.Value)),
    ];

    /// <summary>Polls in the order the chain created them.</summary>
    public IReadOnlyList<PollRecount> Polls => _pollsInOrder;

    public void Run(CancellationToken cancellationToken)
    {
        using var hasher = new AuditLinkHasher();
        using var votes = new VotesTableCursor(connection, transaction);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT seq, kind, poll_id, voter_key, option_id, at, data, prev_hash, hash FROM audit ORDER BY seq";
        using var reader = command.ExecuteReader();
        long expectedSeq = 1;
        while (reader.Read())
        {
            if ((Entries & 0xFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var entry = new StoredEntry(
                reader.GetInt64(0),
                StoredValue.Text(reader, 1) ?? "",
                StoredValue.Text(reader, 2),
                StoredValue.Blob(reader, 3),
                !StoredValue.IsNull(reader, 3),
                StoredValue.Text(reader, 4),
                reader.GetInt64(5),
                StoredValue.Text(reader, 6),
                StoredValue.Blob(reader, 7),
                StoredValue.Blob(reader, 8));
            Entries++;
            _entriesByKind[entry.Kind] = _entriesByKind.GetValueOrDefault(entry.Kind) + 1;

            // A gap is reported at its first missing seq, then votes rows below this seq (they have no audit entry at
            // all): problems stay in seq order.
            var linked = CheckSeq(entry.Seq, ref expectedSeq);
            while (votes.HasRow && votes.Seq < entry.Seq)
            {
                ReportOrphanRow(votes);
                votes.Next();
            }

            CheckLink(entry, linked, hasher);
            Replay(entry);
            MatchVotesRow(entry, votes);
        }

        while (votes.HasRow)
        {
            ReportOrphanRow(votes);
            votes.Next();
        }

        VoteRows = votes.Rows;
    }

    /// <summary>Checks that seqs run 1, 2, 3, ...; returns false when this entry does not follow the previous one.</summary>
    private bool CheckSeq(long seq, ref long expectedSeq)
    {
        var follows = seq == expectedSeq;
        if (seq > expectedSeq)
        {
            problems.AtSeq(expectedSeq, expectedSeq == 1
                ? $"missing: the chain starts at seq {seq} instead of seq 1"
                : seq == expectedSeq + 1
                ? $"missing: the chain jumps from seq {expectedSeq - 1} to seq {seq}"
                : $"missing: seqs {expectedSeq} to {seq - 1} are not stored (the chain jumps to seq {seq})");
        }
        else if (seq < expectedSeq)
        {
            problems.AtSeq(seq, $"out of place: the chain starts at seq 1 and this entry comes where seq {expectedSeq} belongs");
        }

        expectedSeq = seq + 1;
        return follows;
    }

    private void CheckLink(StoredEntry entry, bool followsPrevious, AuditLinkHasher hasher)
    {
        var seq = entry.Seq;
        if (entry.PrevHash is not { Length: AuditLinkHasher.HashSize } prev)
        {
            problems.AtSeq(seq, "prev_hash is not a 32-byte value");
        }
        else if (followsPrevious && !prev.AsSpan().SequenceEqual(_previousHash))
        {
            // Across a gap the previous link is missing, which is already reported; comparing would only repeat it.
            problems.AtSeq(seq, seq == 1
                ? "prev_hash is not the genesis value (32 zero bytes)"
                : $"prev_hash does not match the stored hash of seq {seq - 1}");
        }

        if (entry.Hash is not { Length: AuditLinkHasher.HashSize } hash)
        {
            problems.AtSeq(seq, "hash is not a 32-byte value");
        }
        else if (entry.PrevHash is { Length: AuditLinkHasher.HashSize })
        {
            var computed = hasher.Compute(entry.PrevHash, seq, entry.Kind, entry.PollId, entry.VoterKey, entry.OptionId, entry.AtUnixMs, entry.Data);
            if (!computed.AsSpan().SequenceEqual(hash))
            {
                problems.AtSeq(seq, $"hash mismatch (stored {Convert.ToHexStringLower(hash)}, computed {Convert.ToHexStringLower(computed)})");
            }
        }

        if (entry.HasVoterKey && entry.VoterKey is null)
        {
            problems.AtSeq(seq, "voter_key is not a blob");
        }

        _previousHash = entry.Hash ?? [];
        HeadSeq = seq;
        HeadHash = entry.Hash ?? [];
    }

    private void Replay(StoredEntry entry)
    {
        switch (entry.Kind)
        {
            case AuditEntryKinds.PollCreated:
                ReplayCreated(entry);
                break;
            case AuditEntryKinds.PollOpened:
                ReplayTransition(entry, PollStates.Draft, PollStates.Open);
                break;
            case AuditEntryKinds.PollClosed:
                ReplayTransition(entry, PollStates.Open, PollStates.Closed);
                if (entry.PollId is not null && _polls.TryGetValue(entry.PollId, out var closed) && closed.Status == PollStates.Closed)
                {
                    closed.Presentation.Closed();
                }

                break;
            case AuditEntryKinds.ResultsFrozen or AuditEntryKinds.ResultsReleased
                or AuditEntryKinds.ViewerResultsShown or AuditEntryKinds.ViewerResultsHidden:
                ReplayPresentation(entry);
                break;
            case AuditEntryKinds.Vote:
                ReplayVote(entry);
                break;
            case AuditEntryKinds.RiskDecision:
                CheckRiskDecision(entry);
                break;
            case AuditEntryKinds.AdminLockout:
                CheckAdminLockout(entry);
                break;
            default:
                problems.AtSeq(entry.Seq, $"unknown kind '{entry.Kind}'");
                break;
        }
    }

    private void ReplayCreated(StoredEntry entry)
    {
        if (entry.HasVoterKey || entry.OptionId is not null)
        {
            problems.AtSeq(entry.Seq, "poll-created entry carries a voter_key or an option_id");
        }

        if (entry.PollId is not { Length: > 0 } pollId)
        {
            problems.AtSeq(entry.Seq, "poll-created entry has no poll_id");
            return;
        }

        if (_polls.TryGetValue(pollId, out var existing))
        {
            problems.AtSeq(entry.Seq, $"poll {pollId} is created again (first created at seq {existing.CreatedSeq})");
            return;
        }

        var definition = PollDefinition.TryParse(entry.Data, out var error);
        if (definition is null)
        {
            problems.AtSeq(entry.Seq, $"poll-created entry of poll {pollId}: {error}");
        }

        var poll = new PollRecount(pollId, entry.Seq, definition);
        _polls.Add(pollId, poll);
        _pollsInOrder.Add(poll);
    }

    private void ReplayTransition(StoredEntry entry, string from, string to)
    {
        if (entry.HasVoterKey || entry.OptionId is not null || entry.Data is not null)
        {
            problems.AtSeq(entry.Seq, $"{entry.Kind} entry carries a voter_key, an option_id or data");
        }

        if (FindPoll(entry) is not { } poll)
        {
            return;
        }

        if (poll.Status != from)
        {
            // Not applied: votes that follow are judged by the state the valid history gives the poll.
            problems.AtSeq(entry.Seq, $"{entry.Kind}: poll {poll.Id} cannot move from {poll.Status} to {to}");
            return;
        }

        poll.Status = to;
    }

    /// <summary>
    /// A producer's presentation change: valid in the poll's state, and a frozen snapshot shows no more votes for an
    /// option than the chain holds before it (the server freezes the count it had committed).
    /// </summary>
    private void ReplayPresentation(StoredEntry entry)
    {
        if (entry.HasVoterKey || entry.OptionId is not null)
        {
            problems.AtSeq(entry.Seq, $"{entry.Kind} entry carries a voter_key or an option_id");
        }

        if (FindPoll(entry) is not { } poll)
        {
            return;
        }

        if (poll.Presentation.Apply(entry.Kind, entry.Data, poll.Status, poll.Definition, $"seq {entry.Seq}") is { } problem)
        {
            problems.AtSeq(entry.Seq, $"{problem} (poll {poll.Id})");
            return;
        }

        if (entry.Kind == AuditEntryKinds.ResultsFrozen && poll.Definition is { } definition)
        {
            foreach (var above in poll.Presentation.LatestFreezeAboveCount(definition, poll.Counts))
            {
                problems.AtSeq(entry.Seq, above + " before it");
            }
        }
    }

    private void ReplayVote(StoredEntry entry)
    {
        VoteEntries++;
        if (entry.Data is not null)
        {
            problems.AtSeq(entry.Seq, "vote entry carries data");
        }

        if (FindPoll(entry) is not { } poll)
        {
            return;
        }

        if (poll.Status != PollStates.Open)
        {
            problems.AtSeq(entry.Seq, $"vote in poll {poll.Id} while it was {poll.Status}");
        }

        var option = poll.IndexOfOption(entry.OptionId);
        if (option < 0 && poll.Definition is not null)
        {
            problems.AtSeq(entry.Seq, $"vote for option '{entry.OptionId}', which poll {poll.Id} does not have");
        }

        if (entry.VoterKey is not { Length: StoredValue.VoterKeySize } key)
        {
            problems.AtSeq(entry.Seq, "vote entry has no 16-byte voter_key");
            return;
        }

        var voter = StoredValue.Voter(key);
        if (poll.TryGetVote(voter, out var first))
        {
            problems.AtSeq(entry.Seq, $"second vote of voter {Convert.ToHexStringLower(key)} in poll {poll.Id} (first at seq {first})");
            return;
        }

        poll.Count(voter, entry.Seq, option);
    }

    /// <summary>A note about a vote the risk check challenged or refused: it names a poll and a voter, and counts nothing.</summary>
    private void CheckRiskDecision(StoredEntry entry)
    {
        if (entry.OptionId is not null || !IsJsonObject(entry.Data))
        {
            problems.AtSeq(entry.Seq, "risk-decision entry must carry no option_id and a JSON object as data");
        }

        if (entry.VoterKey is not { Length: StoredValue.VoterKeySize })
        {
            problems.AtSeq(entry.Seq, "risk-decision entry has no 16-byte voter_key");
        }

        // The server checks a vote against committed polls only, so the poll was created earlier in the chain.
        FindPoll(entry);
    }

    /// <summary>A note about a network locked out of admin requests: no poll, voter or option, and counts nothing.</summary>
    private void CheckAdminLockout(StoredEntry entry)
    {
        if (entry.PollId is not null || entry.HasVoterKey || entry.OptionId is not null || !IsJsonObject(entry.Data))
        {
            problems.AtSeq(entry.Seq, "admin-lockout entry must carry no poll_id, voter_key or option_id, and a JSON object as data");
        }
    }

    private static bool IsJsonObject(string? data)
    {
        if (string.IsNullOrEmpty(data))
        {
            return false;
        }

        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(data);
            return document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private PollRecount? FindPoll(StoredEntry entry)
    {
        if (entry.PollId is null)
        {
            problems.AtSeq(entry.Seq, $"{entry.Kind} entry has no poll_id");
            return null;
        }

        if (!_polls.TryGetValue(entry.PollId, out var poll))
        {
            problems.AtSeq(entry.Seq, $"{entry.Kind} for poll {entry.PollId}, which no earlier entry created");
            return null;
        }

        return poll;
    }

    /// <summary>Every vote entry has exactly one votes row with the same seq, poll, voter and option, and vice versa.</summary>
    private void MatchVotesRow(StoredEntry entry, VotesTableCursor votes)
    {
        var isVote = entry.Kind == AuditEntryKinds.Vote;
        if (!votes.HasRow || votes.Seq != entry.Seq)
        {
            if (isVote)
            {
                problems.AtSeq(entry.Seq, "vote entry has no votes row");
            }

            return;
        }

        if (!isVote)
        {
            problems.AtSeq(entry.Seq, $"votes row (poll {votes.PollId}, voter {votes.VoterHex}, option '{votes.OptionId}'), but audit entry {entry.Seq} is a {entry.Kind} entry");
        }
        else
        {
            var differences = new List<string>();
            if (!string.Equals(votes.PollId, entry.PollId, StringComparison.Ordinal))
            {
                differences.Add($"poll_id {votes.PollId} in votes, {entry.PollId} in audit");
            }

            if (votes.VoterKey is null || entry.VoterKey is null || !votes.VoterKey.AsSpan().SequenceEqual(entry.VoterKey))
            {
                differences.Add($"voter_key {votes.VoterHex} in votes, {(entry.VoterKey is null ? "(none)" : Convert.ToHexStringLower(entry.VoterKey))} in audit");
            }

            if (!string.Equals(votes.OptionId, entry.OptionId, StringComparison.Ordinal))
            {
                differences.Add($"option_id '{votes.OptionId}' in votes, '{entry.OptionId}' in audit");
            }

            if (differences.Count > 0)
            {
                problems.AtSeq(entry.Seq, "votes row differs from the audit entry: " + string.Join("; ", differences));
            }
        }

        votes.Next();
    }

    private void ReportOrphanRow(VotesTableCursor votes)
    {
        var repeat = votes.PollId is not null && votes.VoterKey is { Length: StoredValue.VoterKeySize } key
                     && _polls.TryGetValue(votes.PollId, out var poll) && poll.TryGetVote(StoredValue.Voter(key), out var first)
            ? $"; it repeats that voter's vote at seq {first}"
            : "";
        problems.AtSeq(votes.Seq, $"votes row (poll {votes.PollId}, voter {votes.VoterHex}, option '{votes.OptionId}') has no audit vote entry{repeat}");
    }

    private sealed record StoredEntry(
        long Seq,
        string Kind,
        string? PollId,
        byte[]? VoterKey,
        bool HasVoterKey,
        string? OptionId,
        long AtUnixMs,
        string? Data,
        byte[]? PrevHash,
        byte[]? Hash);
}
