using LiveVote.Server.Audit.Merkle;
using LiveVote.Server.Votes;

namespace LiveVote.Server.Audit;

/// <summary>
/// The head of one hash chain, extended by its single writer only, and the right edge (<see cref="MerkleFrontier"/>) of
/// each poll's Merkle log in that chain. A batch appends tentatively; the writer then either keeps the appended links
/// (commit succeeded) or rewinds to the mark (commit failed), so the in-memory head and frontiers always equal the
/// durable ones. A store with several writers (PostgreSQL) gives each writer its own chain, named by
/// <see cref="ChainId"/>, whose polls' logs start empty; the SQLite store has the one chain 0.
/// </summary>
public sealed class AuditChain
{
    private readonly List<AuditEntry> _appended = [];
    private readonly Dictionary<string, MerkleFrontier> _logs;

    // Each log as it was at the mark, saved (cloned) on the batch's first append to it: a rewind puts these back. A
    // log the batch created has null here. One clone per log per batch, never per vote.
    private readonly Dictionary<string, MerkleFrontier?> _logsAtMark = new(StringComparer.Ordinal);
    private readonly List<(string PollId, MerkleNode Node)> _completedNodes = [];
    private readonly List<MerkleNode> _completedScratch = [];
    private long _markSeq;
    private Sha256Hash _markHash;

    // The last log appended to: a batch's votes are nearly all for one poll (same id instance), one lookup for them all.
    private string? _lastPollId;
    private MerkleFrontier? _lastLog;

    public AuditChain(long lastSeq, Sha256Hash lastHash, IReadOnlyDictionary<string, MerkleFrontier>? logs = null)
    {
        LastSeq = _markSeq = lastSeq;
        LastHash = _markHash = lastHash;
        _logs = logs is null ? new(StringComparer.Ordinal) : new(logs, StringComparer.Ordinal);
    }

    public int ChainId { get; private set; }

    /// <summary>The entries appended since the last <see cref="Mark"/>, in order (for stores that insert them in bulk).</summary>
    public IReadOnlyList<AuditEntry> Appended => _appended;

    /// <summary>
    /// The stored interior nodes (levels 8, 16, ...) the entries since the last <see cref="Mark"/> completed, with their
    /// poll: the store writes them in the same transaction as the entries.
    /// </summary>
    public IReadOnlyList<(string PollId, MerkleNode Node)> CompletedNodes => _completedNodes;

    /// <summary>The polls whose logs grew since the last <see cref="Mark"/>.</summary>
    public IEnumerable<string> GrownLogs => _logsAtMark.Keys;

    public long LastSeq { get; private set; }

    public Sha256Hash LastHash { get; private set; }

    /// <summary>The seq of the durable head as of the last <see cref="Mark"/>.</summary>
    public long MarkedSeq => _markSeq;

    /// <summary>The log of a poll in this chain as appended so far (null: the chain has no entry of the poll).</summary>
    public MerkleFrontier? Log(string pollId) => _logs.GetValueOrDefault(pollId);

    public AuditEntry Append(string kind, string? pollId, VoterKey? voterKey, string? optionId, long atUnixMs, string? data)
    {
        var seq = LastSeq + 1;
        var hash = AuditEntry.ComputeHash(seq, kind, pollId, voterKey, optionId, atUnixMs, data, LastHash);
        var leaf = pollId is null ? -1 : AppendLeaf(pollId, hash);
        var entry = new AuditEntry(seq, kind, pollId, voterKey, optionId, atUnixMs, data, LastHash, hash) { Chain = ChainId, Leaf = leaf };
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
        _logsAtMark.Clear();
        _completedNodes.Clear();

        // The next batch's first append to a log must save its state again.
        (_lastPollId, _lastLog) = (null, null);
    }

    /// <summary>Starts a new, empty chain (a new writer id): the old one ends where the store holds it, and so do its logs.</summary>
    public void Restart(int chainId)
    {
        ChainId = chainId;
        LastSeq = _markSeq = 0;
        LastHash = _markHash = Sha256Hash.Zero;
        _appended.Clear();
        _logs.Clear();
        _logsAtMark.Clear();
        _completedNodes.Clear();
        (_lastPollId, _lastLog) = (null, null);
    }

    /// <summary>Forgets every link appended since <see cref="Mark"/>: that batch did not become durable.</summary>
    public void Rewind()
    {
        LastSeq = _markSeq;
        LastHash = _markHash;
        _appended.Clear();
        foreach (var (pollId, atMark) in _logsAtMark)
        {
            if (atMark is null)
            {
                _logs.Remove(pollId);
            }
            else
            {
                _logs[pollId] = atMark;
            }
        }

        _logsAtMark.Clear();
        _completedNodes.Clear();
        (_lastPollId, _lastLog) = (null, null);
    }

    private long AppendLeaf(string pollId, in Sha256Hash entryHash)
    {
        var log = ReferenceEquals(pollId, _lastPollId) ? _lastLog! : LogForAppend(pollId);
        var leaf = log.Size;
        log.Append(MerkleHash.Leaf(entryHash), _completedScratch);
        if (_completedScratch.Count > 0)
        {
            foreach (var node in _completedScratch)
            {
                _completedNodes.Add((pollId, node));
            }

            _completedScratch.Clear();
        }

        return leaf;
    }

    private MerkleFrontier LogForAppend(string pollId)
    {
        if (!_logs.TryGetValue(pollId, out var log))
        {
            log = new MerkleFrontier();
            _logs[pollId] = log;
            _logsAtMark.TryAdd(pollId, null);
        }
        else if (!_logsAtMark.ContainsKey(pollId))
        {
            // The first append of this batch: keep the durable state to rewind to, and append to a copy of it.
            _logsAtMark[pollId] = log;
            log = log.Clone();
            _logs[pollId] = log;
        }

        (_lastPollId, _lastLog) = (pollId, log);
        return log;
    }
}
