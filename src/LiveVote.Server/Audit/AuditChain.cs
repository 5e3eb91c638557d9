using LiveVote.Server.Votes;

namespace LiveVote.Server.Audit;

/// <summary>
/// The head of one hash chain, extended by its single writer only. A batch appends tentatively; the writer then either
/// keeps the appended links (commit succeeded) or rewinds to the mark (commit failed), so the in-memory head always
/// equals the durable one. A store with several writers (PostgreSQL) gives each writer its own chain, named by
/// <see cref="ChainId"/>; the SQLite store has the one chain 0.
/// </summary>
public sealed class AuditChain(long lastSeq, Sha256Hash lastHash)
{
    private readonly List<AuditEntry> _appended = [];
    private long _markSeq = lastSeq;
    private Sha256Hash _markHash = lastHash;

    public int ChainId { get; private set; }

    /// <summary>The entries appended since the last <see cref="Mark"/>, in order (for stores that insert them in bulk).</summary>
    public IReadOnlyList<AuditEntry> Appended => _appended;

    public long LastSeq { get; private set; } = lastSeq;

    public Sha256Hash LastHash { get; private set; } = lastHash;

    /// <summary>The seq of the durable head as of the last <see cref="Mark"/>.</summary>
    public long MarkedSeq => _markSeq;

    public AuditEntry Append(string kind, string? pollId, VoterKey? voterKey, string? optionId, long atUnixMs, string? data)
    {
        var seq = LastSeq + 1;
        var hash = AuditEntry.ComputeHash(seq, kind, pollId, voterKey, optionId, atUnixMs, data, LastHash);
        var entry = new AuditEntry(seq, kind, pollId, voterKey, optionId, atUnixMs, data, LastHash, hash) { Chain = ChainId };
        _appended.Add(entry);
        LastSeq = seq;
        LastHash = hash;
        return entry;
    }

    /// <summary>Marks the durable head before a batch is tried.</summary>
    public void Mark()
    {
        _markSeq = LastSeq;
        _markHash = LastHash;
        _appended.Clear();
    }

    /// <summary>Starts a new, empty chain (a new writer id): the old one ends where the store holds it.</summary>
    public void Restart(int chainId)
    {
        ChainId = chainId;
        LastSeq = _markSeq = 0;
        LastHash = _markHash = Sha256Hash.Zero;
        _appended.Clear();
    }

    /// <summary>Forgets every link appended since <see cref="Mark"/>: that batch did not become durable.</summary>
    public void Rewind()
    {
        LastSeq = _markSeq;
        LastHash = _markHash;
        _appended.Clear();
    }
}
