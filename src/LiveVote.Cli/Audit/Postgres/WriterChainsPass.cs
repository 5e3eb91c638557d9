using System.Text.Json;
using Npgsql;

namespace LiveVote.Cli.Audit.Postgres;

/// <summary>
/// One streaming pass over the PostgreSQL <c>audit</c> table in (writer_id, seq) order: each writer's chain on its own
/// (seqs consecutive from 1, genesis = 32 zero bytes, <c>prev_hash</c> = the previous entry's stored hash, <c>hash</c>
/// recomputed). A chain may end at any seq (a writer that failed mid-commit stops and the node goes on under a new
/// writer id). Votes are checked against the polls of <see cref="PollEntriesPass"/> by their <c>at</c> time, deduplicated
/// per (poll, voter) over ALL chains, recounted, and matched to the <c>votes</c> table (a merge join on writer and seq).
/// </summary>
internal sealed class WriterChainsPass(IReadOnlyDictionary<string, SharedPoll> polls, ProblemLog problems)
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

    /// <summary>Entries whose stored hash a later check needs (checkpoint heads): filled in as the pass meets them.</summary>
    public void Want(EntryRef entry) => _wantedHashes.TryAdd(entry, []);

    public byte[]? HashOf(EntryRef entry) => _wantedHashes.TryGetValue(entry, out var hash) && hash.Length > 0 ? hash : null;

    public void Run(NpgsqlConnection auditConnection, NpgsqlTransaction auditTransaction, SharedVotesCursor votes, CancellationToken cancellationToken)
    {
        using var hasher = new AuditLinkHasher();
        using var command = new NpgsqlCommand(
            "SELECT writer_id, seq, kind, poll_id, voter_key, option_id, at, data, prev_hash, hash FROM audit ORDER BY writer_id, seq",
            auditConnection, auditTransaction);
        using var reader = command.ExecuteReader();
        var chain = new ChainState(-1);
        while (reader.Read())
        {
            if ((Entries & 0xFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var entry = new StoredEntry(
                new EntryRef(reader.GetInt32(0), reader.GetInt64(1)),
                reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetFieldValue<byte[]>(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.GetInt64(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.GetFieldValue<byte[]>(8),
                reader.GetFieldValue<byte[]>(9));
            Entries++;
            _entriesByKind[entry.Kind] = _entriesByKind.GetValueOrDefault(entry.Kind) + 1;
            if (entry.At.Chain != chain.Writer)
            {
                EndChain(chain);
                chain = new ChainState(entry.At.Chain);
            }

            // Votes rows naming an entry before this one have no audit entry at all: reported first, in order.
            while (votes.IsBefore(entry.At))
            {
                ReportOrphanRow(votes);
                votes.Next();
            }

            CheckLink(entry, chain, hasher);
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

    private void EndChain(ChainState chain)
    {
        if (chain.Writer >= 0)
        {
            _chains.Add(new ChainSummary(chain.Writer, chain.Entries, chain.HeadSeq, Convert.ToHexStringLower(chain.PreviousHash)));
        }
    }

    private void CheckLink(StoredEntry entry, ChainState chain, AuditLinkHasher hasher)
    {
        var (writer, seq) = (entry.At.Chain, entry.At.Seq);
        var expected = chain.HeadSeq + 1;
        var follows = seq == expected;
        if (seq > expected)
        {
            problems.AtEntry(writer, expected, expected == 1
                ? $"missing: chain {writer} starts at seq {seq} instead of seq 1"
                : $"missing: chain {writer} jumps from seq {expected - 1} to seq {seq}");
        }
        else if (seq < expected)
        {
            problems.AtEntry(writer, seq, $"out of place: chain {writer} starts at seq 1");
        }

        if (entry.PrevHash.Length != AuditLinkHasher.HashSize)
        {
            problems.AtEntry(writer, seq, "prev_hash is not a 32-byte value");
        }
        else if (follows && !entry.PrevHash.AsSpan().SequenceEqual(chain.PreviousHash))
        {
            // Across a gap the previous link is missing, which is already reported; comparing would only repeat it.
            problems.AtEntry(writer, seq, seq == 1
                ? "prev_hash is not the genesis value (32 zero bytes)"
                : $"prev_hash does not match the stored hash of chain {writer} seq {seq - 1}");
        }

        if (entry.Hash.Length != AuditLinkHasher.HashSize)
        {
            problems.AtEntry(writer, seq, "hash is not a 32-byte value");
        }
        else if (entry.PrevHash.Length == AuditLinkHasher.HashSize)
        {
            var computed = hasher.Compute(entry.PrevHash, seq, entry.Kind, entry.PollId, entry.VoterKey, entry.OptionId, entry.AtUnixMs, entry.Data);
            if (!computed.AsSpan().SequenceEqual(entry.Hash))
            {
                problems.AtEntry(writer, seq, $"hash mismatch (stored {Convert.ToHexStringLower(entry.Hash)}, computed {Convert.ToHexStringLower(computed)})");
            }
        }

        if (_wantedHashes.ContainsKey(entry.At))
        {
            _wantedHashes[entry.At] = entry.Hash;
        }

        chain.Entries++;
        chain.HeadSeq = seq;
        chain.PreviousHash = entry.Hash;
    }

    private void Replay(StoredEntry entry)
    {
        switch (entry.Kind)
        {
            case AuditEntryKinds.PollCreated or AuditEntryKinds.PollOpened or AuditEntryKinds.PollClosed
                or AuditEntryKinds.ResultsFrozen or AuditEntryKinds.ResultsReleased
                or AuditEntryKinds.ViewerResultsShown or AuditEntryKinds.ViewerResultsHidden:
                // Checked by PollEntriesPass, across all chains in time order.
                break;
            case AuditEntryKinds.Vote:
                ReplayVote(entry);
                break;
            case AuditEntryKinds.RiskDecision:
                if (entry.OptionId is not null || !IsJsonObject(entry.Data) || entry.VoterKey is not { Length: StoredValue.VoterKeySize })
                {
                    Problem(entry, "risk-decision entry must carry a 16-byte voter_key, no option_id and a JSON object as data");
                }

                FindPoll(entry);
                break;
            case AuditEntryKinds.AdminLockout:
                if (entry.PollId is not null || entry.VoterKey is not null || entry.OptionId is not null || !IsJsonObject(entry.Data))
                {
                    Problem(entry, "admin-lockout entry must carry no poll_id, voter_key or option_id, and a JSON object as data");
                }

                break;
            default:
                Problem(entry, $"unknown kind '{entry.Kind}'");
                break;
        }
    }

    private void ReplayVote(StoredEntry entry)
    {
        VoteEntries++;
        if (entry.Data is not null)
        {
            Problem(entry, "vote entry carries data");
        }

        if (FindPoll(entry) is not { } poll)
        {
            return;
        }

        // Chains have no total order: the poll's state at the vote is judged by the entries' times.
        if (poll.Opened is not { } opened)
        {
            Problem(entry, $"vote in poll {poll.Id}, which no poll-opened entry opens");
        }
        else if (entry.AtUnixMs < poll.OpenedAt)
        {
            Problem(entry, $"vote at {entry.AtUnixMs} in poll {poll.Id} before it was opened (at {poll.OpenedAt}, {opened})");
        }
        else if (poll.Closed is { } closed && entry.AtUnixMs > poll.ClosedAt)
        {
            Problem(entry, $"vote at {entry.AtUnixMs} in poll {poll.Id} after it was closed (at {poll.ClosedAt}, {closed})");
        }

        var option = poll.IndexOfOption(entry.OptionId);
        if (option < 0 && poll.Definition is not null)
        {
            Problem(entry, $"vote for option '{entry.OptionId}', which poll {poll.Id} does not have");
        }

        if (entry.VoterKey is not { Length: StoredValue.VoterKeySize } key)
        {
            Problem(entry, "vote entry has no 16-byte voter_key");
            return;
        }

        var voter = StoredValue.Voter(key);
        if (poll.TryGetVote(voter, out var first))
        {
            Problem(entry, $"second vote of voter {Convert.ToHexStringLower(key)} in poll {poll.Id} (first at {first})");
            return;
        }

        poll.Count(voter, entry.At, option);
    }

    private SharedPoll? FindPoll(StoredEntry entry)
    {
        if (entry.PollId is null)
        {
            Problem(entry, $"{entry.Kind} entry has no poll_id");
            return null;
        }

        if (!polls.TryGetValue(entry.PollId, out var poll))
        {
            Problem(entry, $"{entry.Kind} for poll {entry.PollId}, which no poll-created entry creates");
            return null;
        }

        if (entry.AtUnixMs < poll.CreatedAt)
        {
            Problem(entry, $"{entry.Kind} at {entry.AtUnixMs} in poll {poll.Id} before it was created (at {poll.CreatedAt}, {poll.Created})");
        }

        return poll;
    }

    /// <summary>Every vote entry has exactly one votes row with the same poll, voter, option and receipt, and vice versa.</summary>
    private void MatchVotesRows(StoredEntry entry, SharedVotesCursor votes)
    {
        var isVote = entry.Kind == AuditEntryKinds.Vote;
        if (!votes.IsAt(entry.At))
        {
            if (isVote)
            {
                Problem(entry, "vote entry has no votes row");
            }

            return;
        }

        if (!isVote)
        {
            Problem(entry, $"{votes.Describe()} names this entry, but it is a {entry.Kind} entry");
        }
        else
        {
            var differences = new List<string>();
            if (!string.Equals(votes.PollId, entry.PollId, StringComparison.Ordinal))
            {
                differences.Add($"poll_id {votes.PollId} in votes, {entry.PollId} in audit");
            }

            if (entry.VoterKey is null || !votes.VoterKey.AsSpan().SequenceEqual(entry.VoterKey))
            {
                differences.Add($"voter_key {votes.VoterHex} in votes, {(entry.VoterKey is null ? "(none)" : Convert.ToHexStringLower(entry.VoterKey))} in audit");
            }

            if (!string.Equals(votes.OptionId, entry.OptionId, StringComparison.Ordinal))
            {
                differences.Add($"option_id '{votes.OptionId}' in votes, '{entry.OptionId}' in audit");
            }

            if (!votes.Receipt.AsSpan().SequenceEqual(entry.Hash))
            {
                differences.Add($"receipt {Convert.ToHexStringLower(votes.Receipt)} in votes is not the entry's hash");
            }

            if (differences.Count > 0)
            {
                Problem(entry, "votes row differs from the audit entry: " + string.Join("; ", differences));
            }
        }

        votes.Next();

        // One entry, one row: any further row naming the same entry is forged.
        while (votes.IsAt(entry.At))
        {
            Problem(entry, $"{votes.Describe()} also names this entry, which another votes row already matches");
            votes.Next();
        }
    }

    private void ReportOrphanRow(SharedVotesCursor votes)
    {
        var repeat = polls.TryGetValue(votes.PollId, out var poll) && votes.VoterKey.Length == StoredValue.VoterKeySize
                     && poll.TryGetVote(StoredValue.Voter(votes.VoterKey), out var first)
            ? $"; that voter's vote is at {first}"
            : "";
        problems.AtEntry(votes.Entry.Chain, votes.Entry.Seq, $"{votes.Describe()} has no audit vote entry{repeat}");
    }

    private void Problem(StoredEntry entry, string message) => problems.AtEntry(entry.At.Chain, entry.At.Seq, message);

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

    private sealed class ChainState(int writer)
    {
        public int Writer { get; } = writer;

        public long Entries { get; set; }

        public long HeadSeq { get; set; }

        public byte[] PreviousHash { get; set; } = AuditLinkHasher.Genesis.ToArray();
    }

    private sealed record StoredEntry(
        EntryRef At,
        string Kind,
        string? PollId,
        byte[]? VoterKey,
        string? OptionId,
        long AtUnixMs,
        string? Data,
        byte[] PrevHash,
        byte[] Hash);
}
