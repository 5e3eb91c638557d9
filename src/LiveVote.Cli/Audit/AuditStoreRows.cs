namespace LiveVote.Cli.Audit;

/// <summary>
/// One row of the <c>audit</c> table as stored, read without trusting it. <see cref="HasVoterKey"/> is true when the
/// column holds anything at all, so a voter_key that is not a blob (SQLite has no column types) is told apart from none.
/// </summary>
internal sealed record StoredEntry(
    EntryRef Ref,
    string Kind,
    string? PollId,
    byte[]? VoterKey,
    bool HasVoterKey,
    string? OptionId,
    long AtUnixMs,
    string? Data,
    byte[]? PrevHash,
    byte[]? Hash);

/// <summary>
/// One row of the <c>votes</c> table: the entry it names, and what it says was voted. <see cref="Receipt"/> is null where
/// the store keeps no receipt (SQLite: the seq alone ties a row to its entry).
/// </summary>
internal sealed record VotesRow(EntryRef Entry, string? PollId, byte[]? VoterKey, string? OptionId, byte[]? Receipt);

/// <summary>One row of the <c>tallies</c> table: a count kept by one chain's writer (SQLite: one row per option, chain 0).</summary>
internal sealed record TallyRow(string PollId, string OptionId, int Chain, long Count);

/// <summary>One row of the <c>polls</c> table, as <see cref="PollsTableCheck.Query"/> reads it.</summary>
internal sealed record PollsRow(string Id, string Title, string OptionsJson, string Status, bool ShowResultsToViewers, string? FrozenTotals);
