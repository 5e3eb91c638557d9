using LiveVote.Server.Votes;

namespace LiveVote.Server.Audit;

/// <summary>
/// The head of one hash chain, extended by its single writer only. A batch appends tentatively; the writer then either
/// keeps the appended links (commit succeeded) or rewinds to the mark (commit failed), so the in-memory head always
/// equals the durable one.
/// </summary>
public sealed class AuditChain(long lastSeq, Sha256Hash lastHash)
{
    private long _markSeq = lastSeq;
    private Sha256Hash _markHash = lastHash;

    public long LastSeq { get; private set; } = lastSeq;

    public Sha256Hash LastHash { get; private set; } = lastHash;

    /// <summary>The seq of the durable head as of the last <see cref="Mark"/>.</summary>
    public long MarkedSeq => _markSeq;

    public AuditEntry Append(string kind, string? pollId, VoterKey? voterKey, string? optionId, long atUnixMs, string? data)
    {
        var seq = LastSeq + 1;
        var hash = AuditEntry.ComputeHash(seq, kind, pollId, voterKey, optionId, atUnixMs, data, LastHash);
        var entry = new AuditEntry(seq, kind, pollId, voterKey, optionId, atUnixMs, data, LastHash, hash);
        LastSeq = seq;
        LastHash = hash;
        return entry;
    }

    /// <summary>Marks the durable head before a batch is tried.</summary>
    public void Mark()
    {
        _markSeq = LastSeq;
        _markHash = LastHash;
    }

    /// <summary>Forgets every link appended since <see cref="Mark"/>: that batch did not become durable.</summary>
    public void Rewind()
    {
        LastSeq = _markSeq;
        LastHash = _markHash;
    }
}
