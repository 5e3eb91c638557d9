using System.Text.Json;

namespace LiveVote.Cli.Audit;

/// <summary>
/// One streaming pass over every audit entry in (chain, seq) order (SQLite: its one chain, chain 0). For each entry it
/// checks the link (<see cref="ChainLinks"/>), votes (their poll existed and was open, as <see cref="VoteJudgement"/>
/// places them; option defined; one vote per voter and poll over all chains) and the shape of notes (risk decisions,
/// admin lockouts, which count nothing), recounts per option, and merges the <c>votes</c> table in on the entry each row
/// names. The polls' lives are replayed before it (<see cref="PollHistory"/>), since a vote may come before them in
/// the walk.
/// </summary>
internal sealed class ChainWalk(PollHistory polls, VoteJudgement judgement, ProblemLog problems)
{
    private readonly Dictionary<string, long> _entriesByKind = new(StringComparer.Ordinal);
    private readonly List<ChainSummary> _chains = [];
    private readonly Dictionary<EntryRef, byte[]> _wantedHashes = [];

    public long Entries { get; private set; }

    public long VoteEntries { get; private set; }

    public long VoteRows { get; private set; }

    public IReadOnlyList<ChainSummary> Chains => _chains;

    /// <summary>How many entries of each kind, known kinds first in <see cref="AuditEntryKinds.All"/> order.</summary>
    public IReadOnlyList<KindCount> EntriesByKind =>
    [
        .. AuditEntryKinds.All.Select(k => new KindCount(k, _entriesByKind.GetValueOrDefault(k))),
        .. _entriesByKind.Where(k => !AuditEntryKinds.All.Contains(k.Key)).OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => new KindCount(k.Key, k.Value)),
    ];

    /// <summary>Entries whose stored hash a later check needs (checkpoint heads): filled in as the walk meets them.</summary>
    public void Want(EntryRef entry) => _wantedHashes.TryAdd(entry, []);

    public byte[]? HashOf(EntryRef entry) => _wantedHashes.TryGetValue(entry, out var hash) && hash.Length > 0 ? hash : null;

    public void Run(IEnumerable<StoredEntry> entries, IEnumerable<VotesRow> votesRows, CancellationToken cancellationToken)
    {
        using var hasher = new AuditLinkHasher();
        using var votes = new VotesRowCursor(votesRows);
        ChainLinks? chain = null;
        foreach (var entry in entries)
        {
            if ((Entries & 0xFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            Entries++;
            _entriesByKind[entry.Kind] = _entriesByKind.GetValueOrDefault(entry.Kind) + 1;
            if (chain?.Chain != entry.Ref.Chain)
            {
                EndChain(chain);
                chain = new ChainLinks(entry.Ref.Chain);
            }

            // A gap is reported at its first missing seq before the votes rows naming entries below this one (they
            // have no audit entry at all): a deleted vote entry reads "missing" first.
            chain.Check(entry, hasher, problems);
            while (votes.IsBefore(entry.Ref))
            {
                ReportOrphanRow(votes);
                votes.Next();
            }

            if (_wantedHashes.ContainsKey(entry.Ref))
            {
                _wantedHashes[entry.Ref] = entry.Hash ?? [];
            }

            Replay(entry);
            MatchVotesRows(entry, votes);
        }

        EndChain(chain);
        while (votes.HasRow)
        {
            ReportOrphanRow(votes);
            votes.Next();
        }

        VoteRows = votes.Rows;
    }

    private void EndChain(ChainLinks? chain)
    {
        if (chain is not null)
        {
            _chains.Add(chain.Summary());
        }
    }

    private void Replay(StoredEntry entry)
    {
        switch (entry.Kind)
        {
            case AuditEntryKinds.ResultsFrozen:
                // Replayed by PollHistory; the judgement may want to know what the walk has counted before it.
                if (polls.Get(entry.PollId) is { } frozen)
                {
                    judgement.FreezeMet(entry.Ref, frozen);
                }

                break;
            case AuditEntryKinds.PollCreated or AuditEntryKinds.PollOpened or AuditEntryKinds.PollClosed
                or AuditEntryKinds.ResultsReleased or AuditEntryKinds.ViewerResultsShown or AuditEntryKinds.ViewerResultsHidden
                or AuditEntryKinds.VoterKeysDestroyed or AuditEntryKinds.PollEdited or AuditEntryKinds.PollDeleted
                or AuditEntryKinds.ResultsHidden or AuditEntryKinds.ResultsRevealed or AuditEntryKinds.PollArchived or AuditEntryKinds.PollUnarchived:
                // Replayed by PollHistory, in the order they happened.
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
                problems.At(entry.Ref, $"unknown kind '{entry.Kind}'");
                break;
        }
    }

    private void ReplayVote(StoredEntry entry)
    {
        VoteEntries++;
        if (entry.Data is not null)
        {
            problems.At(entry.Ref, "vote entry carries data");
        }

        if (polls.Find(entry) is not { } poll)
        {
            return;
        }

        if (judgement.ExistedAt(entry, poll, problems))
        {
            judgement.CheckOpenAt(entry, poll, problems);
        }

        var option = poll.IndexOfOption(entry.OptionId);
        if (option < 0 && poll.Definition is not null)
        {
            problems.At(entry.Ref, $"vote for option '{entry.OptionId}', which poll {poll.Id} does not have");
        }

        if (entry.VoterKey is not { Length: StoredValue.VoterKeySize } key)
        {
            problems.At(entry.Ref, "vote entry has no 16-byte voter_key");
            return;
        }

        var voter = StoredValue.Voter(key);
        if (poll.TryGetVote(voter, out var first))
        {
            problems.At(entry.Ref, $"second vote of voter {Convert.ToHexStringLower(key)} in poll {poll.Id} (first at {problems.Where(first)})");
            return;
        }

        poll.Count(voter, entry.Ref, option);
    }

    /// <summary>A note about a vote the risk check challenged or refused: it names a poll and a voter, and counts nothing.</summary>
    private void CheckRiskDecision(StoredEntry entry)
    {
        if (entry.OptionId is not null || !IsJsonObject(entry.Data))
        {
            problems.At(entry.Ref, "risk-decision entry must carry no option_id and a JSON object as data");
        }

        if (entry.VoterKey is not { Length: StoredValue.VoterKeySize })
        {
            problems.At(entry.Ref, "risk-decision entry has no 16-byte voter_key");
        }

        // The server checks a vote against committed polls only, so the poll existed before the note.
        if (polls.Find(entry) is { } poll)
        {
            judgement.ExistedAt(entry, poll, problems);
        }
    }

    /// <summary>A note about a network locked out of admin requests: no poll, voter or option, and counts nothing.</summary>
    private void CheckAdminLockout(StoredEntry entry)
    {
        if (entry.PollId is not null || entry.HasVoterKey || entry.OptionId is not null || !IsJsonObject(entry.Data))
        {
            problems.At(entry.Ref, "admin-lockout entry must carry no poll_id, voter_key or option_id, and a JSON object as data");
        }
    }

    /// <summary>Every vote entry has exactly one votes row with the same poll, voter, option (and receipt), and vice versa.</summary>
    private void MatchVotesRows(StoredEntry entry, VotesRowCursor votes)
    {
        var isVote = entry.Kind == AuditEntryKinds.Vote;
        if (!votes.IsAt(entry.Ref))
        {
            if (isVote)
            {
                problems.At(entry.Ref, "vote entry has no votes row");
            }

            return;
        }

        if (!isVote)
        {
            problems.At(entry.Ref, $"{votes.Describe()} names this entry, but it is a {entry.Kind} entry");
        }
        else if (Differences(entry, votes) is { Count: > 0 } differences)
        {
            problems.At(entry.Ref, "votes row differs from the audit entry: " + string.Join("; ", differences));
        }

        votes.Next();

        // One entry, one row: any further row naming the same entry is forged.
        while (votes.IsAt(entry.Ref))
        {
            problems.At(entry.Ref, $"{votes.Describe()} also names this entry, which another votes row already matches");
            votes.Next();
        }
    }

    private static List<string> Differences(StoredEntry entry, VotesRowCursor votes)
    {
        var row = votes.Row;
        var differences = new List<string>();
        if (!string.Equals(row.PollId, entry.PollId, StringComparison.Ordinal))
        {
            differences.Add($"poll_id {row.PollId} in votes, {entry.PollId} in audit");
        }

        if (row.VoterKey is null || entry.VoterKey is null || !row.VoterKey.AsSpan().SequenceEqual(entry.VoterKey))
        {
            differences.Add($"voter_key {votes.VoterHex} in votes, {(entry.VoterKey is null ? "(none)" : Convert.ToHexStringLower(entry.VoterKey))} in audit");
        }

        if (!string.Equals(row.OptionId, entry.OptionId, StringComparison.Ordinal))
        {
            differences.Add($"option_id '{row.OptionId}' in votes, '{entry.OptionId}' in audit");
        }

        if (row.Receipt is not null && (entry.Hash is null || !row.Receipt.AsSpan().SequenceEqual(entry.Hash)))
        {
            differences.Add($"receipt {Convert.ToHexStringLower(row.Receipt)} in votes is not the entry's hash");
        }

        return differences;
    }

    private void ReportOrphanRow(VotesRowCursor votes)
    {
        var row = votes.Row;
        var repeat = polls.Get(row.PollId) is { } poll && row.VoterKey is { Length: StoredValue.VoterKeySize } key
                     && poll.TryGetVote(StoredValue.Voter(key), out var first)
            ? $"; it repeats that voter's vote at {problems.Where(first)}"
            : "";
        problems.At(row.Entry, $"{votes.Describe()} has no audit vote entry{repeat}");
    }

    private static bool IsJsonObject(string? data)
    {
        if (string.IsNullOrEmpty(data))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(data);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
