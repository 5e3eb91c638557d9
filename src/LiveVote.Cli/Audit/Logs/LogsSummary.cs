namespace LiveVote.Cli.Audit.Logs;

/// <summary>One Merkle log as recomputed from the database: its size, root (hex) and the largest signed head seen for it.</summary>
internal sealed record LogSummary(string PollId, string Log, long Size, string Root, long? LatestSignedSize);

/// <summary>
/// What the Merkle log checks read and recomputed: every log, how many signed notes (heads and result statements) were
/// checked and from where, how many receipts and keys were given. <see cref="Warnings"/> do not fail the verification
/// (no key given: signatures checked for form only).
/// </summary>
internal sealed record LogsSummary(
    IReadOnlyList<LogSummary> Logs,
    int SignedHeads,
    int HeadsGiven,
    int Statements,
    int Receipts,
    int Keys,
    IReadOnlyList<string> Warnings);
