namespace LiveVote.Cli.Audit;

/// <summary>
/// Walks the <c>votes</c> table beside the chain walk, in (chain, seq) order of the entry each row names: a merge join,
/// so both tables are streamed once and neither is held in memory.
/// </summary>
internal sealed class VotesRowCursor : IDisposable
{
    private readonly IEnumerator<VotesRow> _rows;

    public VotesRowCursor(IEnumerable<VotesRow> rows)
    {
        _rows = rows.GetEnumerator();
        Next();
    }

    public bool HasRow { get; private set; }

    /// <summary>How many rows have been read.</summary>
    public long Rows { get; private set; }

    /// <summary>The current row (valid while <see cref="HasRow"/>).</summary>
    public VotesRow Row => _rows.Current;

    public string VoterHex => Row.VoterKey is null ? "(none)" : Convert.ToHexStringLower(Row.VoterKey);

    public string Describe() => $"votes row (poll {Row.PollId}, voter {VoterHex}, option '{Row.OptionId}')";

    /// <summary>True when the current row names an entry before the given one (in chain, then seq order).</summary>
    public bool IsBefore(EntryRef entry) => HasRow && Row.Entry < entry;

    public bool IsAt(EntryRef entry) => HasRow && Row.Entry == entry;

    public void Next()
    {
        HasRow = _rows.MoveNext();
        if (HasRow)
        {
            Rows++;
        }
    }

    public void Dispose() => _rows.Dispose();
}
