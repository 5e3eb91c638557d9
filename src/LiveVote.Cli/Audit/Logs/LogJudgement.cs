namespace LiveVote.Cli.Audit.Logs;

/// <summary>
/// The verdicts of <see cref="MerkleLogsCheck"/> once every partition's logs are recomputed: heads (cut tail, rewrite,
/// deleted checkpoint), receipts, and signed results. Every message names the log and the sizes or leaves concerned.
/// </summary>
internal sealed class LogJudgement(
    LogProblems problems,
    IReadOnlyDictionary<LogId, RecomputedLog> logs,
    IReadOnlySet<int> walked,
    IReadOnlyDictionary<int, (bool Heads, bool Results)> tables,
    int partitions)
{
    private readonly Dictionary<LogId, List<(EntryRef Entry, long Leaf, string Receipt)>> _badReceipts = [];

    public void CheckHeads(IReadOnlyList<SeenCheckpoint> checkpoints)
    {
        foreach (var partition in walked.Where(p => !tables.GetValueOrDefault(p).Heads))
        {
            var given = checkpoints.Count(c => c.Given && c.Checkpoint.Log.Partition == partition);
            if (given > 0)
            {
                problems.General(partition, $"the database has no signed_heads table, so none of the {given} given signed head(s) of its logs is stored (dropped, or a database from before signed logs)");
            }
        }

        foreach (var group in checkpoints.GroupBy(c => c.Checkpoint.Log))
        {
            var log = group.Key;
            if (!Readable(log.Partition, log.PollId, $"log {log.Name}"))
            {
                continue;
            }

            var recomputed = logs.GetValueOrDefault(log);
            var size = recomputed?.Size ?? 0;
            var heads = group.Select(c => c.Checkpoint).OrderBy(c => c.Size).ThenBy(c => c.AtUnixMs).ToList();
            foreach (var cut in heads.Where(h => h.Size > size))
            {
                problems.Poll(log.Partition, log.PollId,
                    $"log {log.Name}: {cut.Describe()}, the database holds {size}: leaves {size}..{cut.Size - 1} missing (the log's tail was cut)");
            }

            CheckRoots(log, recomputed, [.. heads.Where(h => h.Size <= size)]);
            CheckStored(log, group);
        }
    }

    public void CheckReceipts(IReadOnlyList<KeptReceipt> receipts, IReadOnlyList<SeenCheckpoint> checkpoints)
    {
        foreach (var receipt in receipts)
        {
            var name = $"the receipt for leaf {receipt.Leaf} of log {receipt.Log}";
            if (!LogId.TryParseName(receipt.Log, out var partition, out var chain))
            {
                problems.General(null, $"{name} of poll {receipt.PollId}: '{receipt.Log}' is not a log id (partition.chain)");
                continue;
            }

            var log = new LogId(receipt.PollId, partition, chain);
            if (!Readable(partition, receipt.PollId, name))
            {
                continue;
            }

            var recomputed = logs.GetValueOrDefault(log);
            if (recomputed is null || receipt.Leaf >= recomputed.Size)
            {
                problems.Poll(partition, receipt.PollId, $"{name}: the database's log holds {recomputed?.Size ?? 0} leaves, so the viewer's entry is missing");
                continue;
            }

            var (entry, hash) = recomputed.EntryAt(receipt.Leaf);
            if (!string.Equals(Convert.ToHexStringLower(hash), receipt.Receipt.Trim().ToLowerInvariant(), StringComparison.Ordinal))
            {
                problems.Entry(partition, entry, receipt.PollId,
                    $"log {log.Name} leaf {receipt.Leaf} has entry hash {Convert.ToHexStringLower(hash)}, but the viewer's receipt for it is {receipt.Receipt}: this entry was rewritten");
                (_badReceipts.TryGetValue(log, out var bad) ? bad : _badReceipts[log] = []).Add((entry, receipt.Leaf, receipt.Receipt));
            }

            var covering = checkpoints.Where(c => c.Checkpoint.Log == log).Select(c => c.Checkpoint.Size).DefaultIfEmpty(0).Max();
            if (covering <= receipt.Leaf)
            {
                problems.Poll(partition, receipt.PollId,
                    $"{name}: no signed head covers it (the largest signed size is {covering}): the operator never committed to this vote");
            }
        }
    }

    public void CheckStatements(IReadOnlyList<SeenStatement> statements, IReadOnlyList<PollTotals> polls)
    {
        foreach (var seen in statements)
        {
            var statement = seen.Statement;
            var partition = seen.StoredIn.Count > 0 ? seen.StoredIn.Min() : 0;
            void Problem(string message) => problems.Poll(partition, statement.PollId, "signed result: " + message);

            if (seen.Given && !seen.StoredIn.Any(p => tables.GetValueOrDefault(p).Results)
                && tables.Values.Any(t => t.Results))
            {
                Problem("the statement from --heads is in no partition's poll_results table: it was deleted or replaced");
            }

            CheckTotals(statement, polls.FirstOrDefault(p => string.Equals(p.PollId, statement.PollId, StringComparison.Ordinal)), Problem);
            foreach (var stated in statement.Logs)
            {
                CheckStatedLog(stated, Problem);
            }

            var listed = statement.Logs.Select(l => l.Log).ToHashSet();
            foreach (var unlisted in logs.Values.Where(l => l.Id.PollId == statement.PollId && l.LastVoteLeaf >= 0 && !listed.Contains(l.Id)))
            {
                Problem($"log {unlisted.Id.Name} holds votes (last at leaf {unlisted.LastVoteLeaf}), but the statement does not count it");
            }
        }
    }

    private static void CheckTotals(ResultStatement statement, PollTotals? recount, Action<string> problem)
    {
        if (recount is null)
        {
            problem("the audit has no such poll");
            return;
        }

        if (recount.Status != PollStates.Closed)
        {
            problem($"the poll is {recount.Status} in the audit, but a final result was signed");
        }

        if (statement.Total != recount.Total)
        {
            problem($"total {statement.Total} signed, {recount.Total} in the recount");
        }

        var signed = string.Join(", ", statement.Options.Select(o => $"{o.Id} {o.Votes}"));
        var counted = string.Join(", ", recount.Options.Select(o => $"{o.Id} {o.Votes}"));
        if (!string.Equals(signed, counted, StringComparison.Ordinal))
        {
            problem($"options signed as ({signed}), recounted as ({counted})");
        }
    }

    private void CheckStatedLog(StatedLog stated, Action<string> problem)
    {
        var log = stated.Log;
        if (!Readable(log.Partition, log.PollId, $"the signed result's log {log.Name}"))
        {
            return;
        }

        var recomputed = logs.GetValueOrDefault(log);
        var size = recomputed?.Size ?? 0;
        if (stated.Size > size)
        {
            problem($"log {log.Name} was signed at size {stated.Size}, the database holds {size}: leaves {size}..{stated.Size - 1} missing");
            return;
        }

        var root = recomputed?.RootAt(stated.Size) ?? MerkleHashing.EmptyRoot;
        if (!root.AsSpan().SequenceEqual(stated.Root))
        {
            problem($"log {log.Name} at size {stated.Size}: the database's entries give root {Convert.ToHexStringLower(root)}, the statement signed {Convert.ToHexStringLower(stated.Root)}: rewritten");
        }

        if (recomputed is not null && recomputed.LastVoteLeaf >= stated.Size)
        {
            problem($"log {log.Name} holds a vote at leaf {recomputed.LastVoteLeaf}, after the signed size {stated.Size}: a vote added after the result");
        }
    }

    /// <summary>
    /// The heads within the database's log, by size: the first whose root differs names the rewrite, between the last
    /// head below it that matches and its own size (or the exact leaf, when a kept receipt differs there).
    /// </summary>
    private void CheckRoots(LogId log, RecomputedLog? recomputed, List<LogCheckpoint> heads)
    {
        var firstBad = heads.FindIndex(h => !RootOf(recomputed, h.Size).AsSpan().SequenceEqual(h.Root));
        if (firstBad < 0)
        {
            return;
        }

        var bad = heads[firstBad];
        var lastGood = heads.Take(firstBad).Where(h => h.Size < bad.Size).Select(h => h.Size).DefaultIfEmpty(0).Max();
        var later = heads.Skip(firstBad + 1).Count(h => !RootOf(recomputed, h.Size).AsSpan().SequenceEqual(h.Root));
        var receipts = BadReceiptsBetween(log, lastGood, bad.Size);
        var message = $"log {log.Name}: the database's entries do not give the root of {bad.Describe()} "
                      + $"(signed {Convert.ToHexStringLower(bad.Root)}, recomputed {Convert.ToHexStringLower(RootOf(recomputed, bad.Size))}): "
                      + (receipts.Length > 0
                          ? $"rewritten at {receipts}"
                          : $"an entry in leaves {lastGood}..{bad.Size - 1} was rewritten ({(lastGood > 0 ? $"the signed head of size {lastGood} still matches" : "no smaller signed head matches")})")
                      + (later > 0 ? $"; {later} later signed head(s) do not match either" : "");
        problems.Poll(log.Partition, log.PollId, message);
    }

    /// <summary>Given heads the partition's signed_heads no longer holds: deleted checkpoints.</summary>
    private void CheckStored(LogId log, IEnumerable<SeenCheckpoint> seen)
    {
        if (!tables.GetValueOrDefault(log.Partition).Heads)
        {
            return;
        }

        foreach (var deleted in seen.Where(c => c.Given && !c.StoredIn.Contains(log.Partition)).OrderBy(c => c.Checkpoint.Size))
        {
            problems.Poll(log.Partition, log.PollId,
                $"log {log.Name}: {deleted.Checkpoint.Describe()} (from --heads) is not in the signed_heads table: the checkpoint was deleted");
        }
    }

    private string BadReceiptsBetween(LogId log, long from, long to) =>
        string.Join(", ", (_badReceipts.GetValueOrDefault(log) ?? []).Where(r => r.Leaf >= from && r.Leaf < to)
            .Select(r => $"leaf {r.Leaf} ({problems.Where(r.Entry)}), which differs from the receipt a viewer kept"));

    private static byte[] RootOf(RecomputedLog? log, long size) => log?.RootAt(size) ?? MerkleHashing.EmptyRoot;

    /// <summary>False (and, for a partition never given, a problem) when the log's partition was not read.</summary>
    private bool Readable(int partition, string pollId, string what)
    {
        if (walked.Contains(partition))
        {
            return true;
        }

        if (partition >= partitions)
        {
            problems.Poll(Math.Min(partition, partitions - 1), pollId, $"{what} is in partition {partition}, but only {partitions} store(s) were given to check it against");
        }

        return false;
    }
}
