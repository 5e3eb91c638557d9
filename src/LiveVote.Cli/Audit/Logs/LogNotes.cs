namespace LiveVote.Cli.Audit.Logs;

/// <summary>A signed head and where it was found: in the auditor's <c>--heads</c>, and/or in partitions' <c>signed_heads</c>.</summary>
internal sealed class SeenCheckpoint(LogCheckpoint checkpoint)
{
    public LogCheckpoint Checkpoint { get; } = checkpoint;

    public bool Given { get; set; }

    public HashSet<int> StoredIn { get; } = [];
}

/// <summary>A result statement and where it was found.</summary>
internal sealed class SeenStatement(ResultStatement statement)
{
    public ResultStatement Statement { get; } = statement;

    public bool Given { get; set; }

    public HashSet<int> StoredIn { get; } = [];
}

/// <summary>
/// Every signed note the verification met, from the auditor and from the database, parsed and its signature checked
/// against the given keys once per distinct text. A note that is malformed or whose signature fails is reported and
/// then ignored: it proves nothing. Heads are kept once per (log, size, root, time), statements once per text.
/// </summary>
internal sealed class LogNotes(IReadOnlyList<NoteVerifierKey> keys)
{
    private readonly Dictionary<string, bool> _verified = new(StringComparer.Ordinal);
    private readonly Dictionary<(LogId, long, string, long?), SeenCheckpoint> _checkpoints = [];
    private readonly Dictionary<string, SeenStatement> _statements = new(StringComparer.Ordinal);

    public IEnumerable<SeenCheckpoint> Checkpoints => _checkpoints.Values;

    public IEnumerable<SeenStatement> Statements => _statements.Values;

    /// <summary>How many distinct notes were read (and, with keys, had their signature checked).</summary>
    public int Distinct => _verified.Count;

    /// <summary>
    /// Adds one note; returns null when it is accepted, else why not (malformed, or not signed by any given key).
    /// <paramref name="storedIn"/>: the partition whose table held it, null for the auditor's file.
    /// </summary>
    public string? Add(string text, int? storedIn, out SeenCheckpoint? checkpoint)
    {
        checkpoint = null;
        if (!SignedNote.TryParse(text, out var note, out var error))
        {
            return $"not a signed note ({error})";
        }

        if (!_verified.TryGetValue(text, out var verified))
        {
            verified = keys.Count == 0 || keys.Any(k => k.Verifies(note));
            _verified[text] = verified;
        }

        if (!verified)
        {
            var signers = string.Join(", ", note.Signatures.Select(s => $"{s.KeyName}+{s.KeyId:x8}"));
            return $"its signature does not verify with any given --key (signed as {(signers.Length == 0 ? "nobody" : signers)}): a forged or foreign note";
        }

        if (note.Signatures.Count == 0)
        {
            return "it carries no signature";
        }

        if (ResultStatement.IsStatement(note))
        {
            if (!ResultStatement.TryParse(note, out var statement, out error))
            {
                return $"not a result statement ({error})";
            }

            if (!_statements.TryGetValue(text, out var seenStatement))
            {
                _statements[text] = seenStatement = new SeenStatement(statement);
            }

            Mark(storedIn, () => seenStatement.Given = true, seenStatement.StoredIn);
            return null;
        }

        if (!LogCheckpoint.TryParse(note, out var parsed, out error))
        {
            return $"not a checkpoint ({error})";
        }

        if (!_checkpoints.TryGetValue(parsed.Key, out var seen))
        {
            _checkpoints[parsed.Key] = seen = new SeenCheckpoint(parsed);
        }

        Mark(storedIn, () => seen.Given = true, seen.StoredIn);
        checkpoint = seen;
        return null;
    }

    private static void Mark(int? storedIn, Action given, HashSet<int> partitions)
    {
        if (storedIn is { } partition)
        {
            partitions.Add(partition);
        }
        else
        {
            given();
        }
    }
}
