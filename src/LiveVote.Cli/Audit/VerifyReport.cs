namespace LiveVote.Cli.Audit;

/// <summary>
/// One thing found wrong. <see cref="Seq"/> names the audit seq (or votes row seq) it is about; problems about a
/// table as a whole (a tally, a polls row) name the poll instead.
/// </summary>
internal sealed record VerifyProblem(long? Seq, string? PollId, string Message)
{
    public override string ToString() =>
        Seq is { } seq ? $"seq {seq}: {Message}" : PollId is { } poll ? $"poll {poll}: {Message}" : Message;
}

internal sealed record OptionRecount(string Id, long Votes);

internal sealed record KindCount(string Kind, long Entries);

internal sealed record PollRecountSummary(string Id, string Title, string Status, long Votes, IReadOnlyList<OptionRecount> Options);

/// <summary>What <c>audit verify</c> read, recounted and found; <see cref="Ok"/> only when nothing is wrong.</summary>
internal sealed record VerifyReport(
    string Database,
    long Entries,
    IReadOnlyList<KindCount> EntriesByKind,
    long HeadSeq,
    string HeadHash,
    long Votes,
    long VoteRows,
    IReadOnlyList<PollRecountSummary> Polls,
    long ProblemCount,
    IReadOnlyList<VerifyProblem> Problems)
{
    public bool Ok => ProblemCount == 0;

    /// <summary>The lowest seq any problem names: where the stored history first stops being trustworthy.</summary>
    public long? FirstBadSeq => Problems.Where(p => p.Seq is not null).Select(p => p.Seq).Min();
}
