namespace LiveVote.Cli.Audit.Logs;

/// <summary>A poll's recount as the signed result is held to: total and per option, in the poll's option order.</summary>
internal sealed record PollTotals(string PollId, string Status, long Total, IReadOnlyList<OptionRecount> Options);

/// <summary>
/// The Merkle log checks of <c>audit verify</c> (docs/design.md 7.6), over one store or every cluster of a fleet:
/// <list type="number">
/// <item><see cref="ReadNotes"/>, per partition: the signed heads and result statements the database holds, beside the
/// auditor's (<see cref="AuditLogInputs"/>), each signature checked against the given keys.</item>
/// <item><see cref="Walk"/>, per partition (after every partition's notes, since a statement in one names the logs of
/// all): every poll's log recomputed from the audit entries, never from the stored tree nodes or <c>leaf</c> column
/// (which are checked against it).</item>
/// <item><see cref="Judge"/>: every head's root against the recomputed root at its size (a rewrite, even re-hashed, is
/// caught), the log at least as long as every head (a cut tail), every given head still stored (a deleted checkpoint),
/// every receipt against the entry at its leaf, and every signed result against the recount.</item>
/// </list>
/// </summary>
internal sealed class MerkleLogsCheck
{
    private const string SignedHeadsTable = "signed_heads";
    private const string PollResultsTable = "poll_results";

    private readonly AuditLogInputs _inputs;
    private readonly LogNotes _notes;
    private readonly Dictionary<int, (bool Heads, bool Results)> _tables = [];
    private readonly HashSet<int> _walked = [];
    private readonly Dictionary<LogId, RecomputedLog> _logs = [];
    private readonly List<string> _warnings = [];
    private readonly LogProblems _problems;
    private readonly int _partitions;

    public MerkleLogsCheck(AuditLogInputs inputs, LogProblems problems, int partitions)
    {
        _inputs = inputs;
        _problems = problems;
        _partitions = partitions;
        _notes = new LogNotes(inputs.Keys);
        for (var i = 0; i < inputs.Notes.Count; i++)
        {
            if (_notes.Add(inputs.Notes[i], null, out _) is { } why)
            {
                problems.General(null, $"note {i + 1} of --heads: {why}");
            }
        }
    }

    /// <summary>True when there is anything to check: the auditor gave something, or a store has signed heads.</summary>
    public bool Active => _inputs.Any || _tables.Values.Any(t => t.Heads);

    public void ReadNotes(int partition, LogTables tables)
    {
        ArgumentNullException.ThrowIfNull(tables);
        var present = (Heads: tables.Has(SignedHeadsTable), Results: tables.Has(PollResultsTable));
        _tables[partition] = present;
        if (present.Heads)
        {
            foreach (var row in tables.Heads())
            {
                ReadStoredHead(partition, row);
            }
        }

        if (present.Results)
        {
            foreach (var (pollId, statement) in tables.Statements())
            {
                if (_notes.Add(statement ?? "", partition, out _) is { } why)
                {
                    _problems.Poll(partition, pollId ?? "(none)", $"the poll_results statement: {why}");
                }
            }
        }
    }

    public void Walk(int partition, LogTables tables, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tables);
        if (!Active)
        {
            return;
        }

        var wantedSizes = WantedSizes(partition);
        var wantedLeaves = WantedLeaves(partition);
        var hasLeafColumn = tables.HasColumn("audit", "leaf");
        var current = new Dictionary<(string, int), RecomputedLog>();
        long rows = 0;
        foreach (var row in tables.Leaves(hasLeafColumn))
        {
            if ((++rows & 0xFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (!current.TryGetValue((row.PollId, row.Entry.Chain), out var log))
            {
                var id = new LogId(row.PollId, partition, row.Entry.Chain);
                log = new RecomputedLog(id, wantedSizes.GetValueOrDefault(id) ?? [], wantedLeaves.GetValueOrDefault(id) ?? []);
                current[(row.PollId, row.Entry.Chain)] = log;
                _logs[id] = log;
            }

            var leaf = log.Append(row.Entry, row.Kind, row.Hash);
            if (row.HasLeafColumn && row.Leaf != leaf)
            {
                _problems.Entry(partition, row.Entry, row.PollId,
                    $"leaf column says {row.Leaf?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "NULL"}, but the entry is leaf {leaf} of log {log.Id.Name}");
            }
        }

        foreach (var log in current.Values)
        {
            log.Finish();
        }

        _walked.Add(partition);
    }

    /// <summary>Judges everything read against <paramref name="polls"/> (the recount); null when there was nothing to check.</summary>
    public LogsSummary? Judge(IReadOnlyList<PollTotals> polls)
    {
        if (!Active)
        {
            return null;
        }

        if (_inputs.Keys.Count == 0 && _notes.Distinct > 0)
        {
            _warnings.Add($"no --key given: the signatures of {_notes.Distinct} signed note(s) were checked for form only. "
                          + "Give the published verifier key(s) (/.well-known/livevote/audit-keys) to check who signed them.");
        }

        var judgement = new LogJudgement(_problems, _logs, _walked, _tables, _partitions);
        var trusted = CheckpointsThisRunCanHold();
        // Receipts first: a rewritten head then names the exact leaf a receipt caught.
        judgement.CheckReceipts(_inputs.Receipts, trusted);
        judgement.CheckHeads(trusted);
        judgement.CheckStatements(FleetWideStatementsChecked(), polls);
        var latest = trusted.GroupBy(c => c.Checkpoint.Log).ToDictionary(g => g.Key, g => g.Max(c => c.Checkpoint.Size));
        return new LogsSummary(
            [.. _logs.Values.OrderBy(l => l.Id.PollId, StringComparer.Ordinal).ThenBy(l => l.Id.Partition).ThenBy(l => l.Id.Chain)
                .Select(l => new LogSummary(l.Id.PollId, l.Id.Name, l.Size, Convert.ToHexStringLower(l.Root), latest.TryGetValue(l.Id, out var size) ? size : null))],
            trusted.Count,
            trusted.Count(c => c.Given),
            _notes.Statements.Count(),
            _inputs.Receipts.Count,
            _inputs.Keys.Count,
            _warnings);
    }

    /// <summary>
    /// The heads this run can hold to its logs. With one store given, that store is read as partition 0: the heads of a
    /// cluster that is another partition of a fleet (origin <c>.../1.3</c>) name logs this run cannot tell apart from its
    /// own, so they are left to a run given every cluster, with a warning (checking one cluster alone is a partial audit).
    /// </summary>
    private List<SeenCheckpoint> CheckpointsThisRunCanHold()
    {
        var checkpoints = _notes.Checkpoints.ToList();
        if (_partitions != 1)
        {
            return checkpoints;
        }

        var elsewhere = checkpoints.Where(c => c.Checkpoint.Log.Partition != 0).ToList();
        if (elsewhere.Count > 0)
        {
            _warnings.Add($"{elsewhere.Count} signed head(s) name other partitions ({string.Join(", ", elsewhere.Select(c => c.Checkpoint.Log.Partition).Distinct().Order())}): "
                          + "this cluster is one of a fleet; give every cluster (--postgres once each, partition 0 first) to check them.");
        }

        return [.. checkpoints.Except(elsewhere)];
    }

    /// <summary>
    /// The statements this run can hold to a recount. With one store given, a result signed over several partitions
    /// (a poll spread over clusters) cannot be: its totals are the fleet's. It is left to a run given every cluster,
    /// with a warning rather than a failure, since checking one cluster on its own is a legitimate partial audit.
    /// </summary>
    private List<SeenStatement> FleetWideStatementsChecked()
    {
        var statements = _notes.Statements.ToList();
        if (_partitions != 1)
        {
            return statements;
        }

        foreach (var spread in statements.Where(s => s.Statement.Logs.Any(l => l.Log.Partition != 0)).ToList())
        {
            statements.Remove(spread);
            _warnings.Add($"poll {spread.Statement.PollId}: its signed result covers {spread.Statement.Logs.Select(l => l.Log.Partition).Distinct().Count()} partitions; "
                          + "give every cluster (--postgres once each, partition 0 first) to hold it to the fleet's recount.");
        }

        return statements;
    }

    private void ReadStoredHead(int partition, StoredHead row)
    {
        var where = $"signed_heads row {row.Id}";
        if (_notes.Add(row.Note ?? "", partition, out var seen) is { } why)
        {
            _problems.Poll(partition, row.PollId ?? "(none)", $"{where}: {why}");
            return;
        }

        if (seen is null)
        {
            _problems.Poll(partition, row.PollId ?? "(none)", $"{where} holds a result statement, not a checkpoint");
            return;
        }

        var checkpoint = seen.Checkpoint;
        // One store given alone may be any partition of a fleet: its heads are set aside (with a warning) in Judge.
        if (checkpoint.Log.Partition != partition && _partitions != 1)
        {
            _problems.Poll(partition, checkpoint.Log.PollId, $"{where}: its checkpoint names log {checkpoint.Log.Name}, which is not of this partition ({partition})");
        }

        // The columns only index the note; they must say what it says, or a lookup by them would find the wrong head.
        if (!string.Equals(row.PollId, checkpoint.Log.PollId, StringComparison.Ordinal) || row.Chain != checkpoint.Log.Chain
            || row.Size != checkpoint.Size || row.Root is null || !row.Root.AsSpan().SequenceEqual(checkpoint.Root))
        {
            _problems.Poll(partition, checkpoint.Log.PollId,
                $"{where}: its columns (poll {row.PollId}, chain {row.Chain}, size {row.Size}, root {(row.Root is null ? "NULL" : Convert.ToHexStringLower(row.Root))}) "
                + $"differ from its signed note (log {checkpoint.Log.Name} of poll {checkpoint.Log.PollId}, size {checkpoint.Size}, root {Convert.ToHexStringLower(checkpoint.Root)})");
        }
    }

    private Dictionary<LogId, HashSet<long>> WantedSizes(int partition)
    {
        var wanted = new Dictionary<LogId, HashSet<long>>();
        void Want(LogId log, long size)
        {
            if (log.Partition == partition)
            {
                (wanted.TryGetValue(log, out var sizes) ? sizes : wanted[log] = []).Add(size);
            }
        }

        foreach (var seen in _notes.Checkpoints)
        {
            Want(seen.Checkpoint.Log, seen.Checkpoint.Size);
        }

        foreach (var log in _notes.Statements.SelectMany(s => s.Statement.Logs))
        {
            Want(log.Log, log.Size);
        }

        return wanted;
    }

    private Dictionary<LogId, HashSet<long>> WantedLeaves(int partition)
    {
        var wanted = new Dictionary<LogId, HashSet<long>>();
        foreach (var receipt in _inputs.Receipts)
        {
            if (LogId.TryParseName(receipt.Log, out var p, out var chain) && p == partition)
            {
                var log = new LogId(receipt.PollId, p, chain);
                (wanted.TryGetValue(log, out var leaves) ? leaves : wanted[log] = []).Add(receipt.Leaf);
            }
        }

        return wanted;
    }
}
