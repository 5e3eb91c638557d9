namespace LiveVote.Server.Results.Final;

/// <summary>
/// What each store supplies for the signed final result: only its SQL. The gate (<see cref="ReconciliationGate"/>),
/// the statement (<see cref="ResultStatement"/>) and the signing (<see cref="FinalResults"/>) are written once.
/// One instance per store partition, in partition order (<see cref="FinalResultSources"/>).
/// </summary>
internal interface IFinalResultSql
{
    /// <summary>
    /// The poll's figures in this partition, read in ONE snapshot (one read transaction), so they are comparable: the
    /// poll's status, vote rows, tallies and vote audit entries per option, vote leaves, and each log's entries.
    /// </summary>
    Task<PartitionFigures> ReadFiguresAsync(string pollId, CancellationToken cancellationToken);

    /// <summary>The stored signed statement of the poll (<c>poll_results</c>), or null.</summary>
    Task<StoredResult?> ReadResultAsync(string pollId, CancellationToken cancellationToken);

    /// <summary>
    /// Stores the statement unless the poll has one already (insert if absent, durable before it returns), and returns
    /// the statement that stands: the first one stored wins, so every node and partition serves the same text.
    /// </summary>
    Task<StoredResult> StoreResultAsync(string pollId, long atUnixMs, string statement, CancellationToken cancellationToken);
}

/// <summary>A <c>poll_results</c> row: when it was signed (Unix ms) and the whole signed note.</summary>
internal sealed record StoredResult(long AtUnixMs, string Statement);

/// <summary>
/// One partition's figures of a poll for the reconciliation gate, as the database holds them (per option id).
/// </summary>
/// <param name="Status">The poll's status in this partition (<c>closed</c>, ...); null when the partition lacks the poll.</param>
/// <param name="ClosedAtUnixMs">When it closed there.</param>
/// <param name="VoteRows">Rows of <c>votes</c> per option: the deduplicated votes.</param>
/// <param name="Tallies">The tallies per option (summed over writers).</param>
/// <param name="VoteEntries">Audit entries of kind <c>vote</c> per option.</param>
/// <param name="VoteLeaves">Vote audit entries that are leaves of the poll's logs.</param>
/// <param name="Logs">Each log (writer chain) of the poll in this partition: its entries and its leaves.</param>
internal sealed record PartitionFigures(
    string? Status,
    long? ClosedAtUnixMs,
    IReadOnlyDictionary<string, long> VoteRows,
    IReadOnlyDictionary<string, long> Tallies,
    IReadOnlyDictionary<string, long> VoteEntries,
    long VoteLeaves,
    IReadOnlyList<LogFigures> Logs);

/// <param name="Chain">The writer chain (SQLite: 0).</param>
/// <param name="Entries">Audit entries of the poll in the chain: the log's size.</param>
/// <param name="Leaves">Of them, those numbered as leaves 0..n-1 (the <c>leaf</c> column): must equal <paramref name="Entries"/>.</param>
internal readonly record struct LogFigures(int Chain, long Entries, long Leaves);

/// <summary>The store partitions' SQL, in partition order.</summary>
internal sealed class FinalResultSources(IReadOnlyList<IFinalResultSql> partitions)
{
    public IReadOnlyList<IFinalResultSql> Partitions { get; } = partitions;

    public int Count => Partitions.Count;

    public IFinalResultSql this[int partition] => Partitions[partition];
}
