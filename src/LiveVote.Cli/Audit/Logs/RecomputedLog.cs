namespace LiveVote.Cli.Audit.Logs;

/// <summary>
/// One poll's log in one chain, recomputed from the database's audit entries in seq order (leaf i = the i-th entry of
/// that poll in that chain): its size and root, the roots at every size a signed note names, the entries at the leaves a
/// receipt names, and its last vote leaf (a signed result must come after it).
/// </summary>
internal sealed class RecomputedLog(LogId id, IReadOnlySet<long> wantedSizes, IReadOnlySet<long> wantedLeaves)
{
    private readonly MerkleFrontier _frontier = new();
    private readonly Dictionary<long, byte[]> _roots = [];
    private readonly Dictionary<long, (EntryRef Entry, byte[] Hash)> _leaves = [];

    public LogId Id { get; } = id;

    public long Size => _frontier.Size;

    public long LastVoteLeaf { get; private set; } = -1;

    public byte[] Root { get; private set; } = MerkleHashing.EmptyRoot;

    /// <summary>Appends the next entry; returns its leaf index.</summary>
    public long Append(EntryRef entry, string kind, byte[] entryHash)
    {
        var leaf = _frontier.Size;
        if (wantedLeaves.Contains(leaf))
        {
            _leaves[leaf] = (entry, entryHash);
        }

        if (kind == AuditEntryKinds.Vote)
        {
            LastVoteLeaf = leaf;
        }

        _frontier.Append(MerkleHashing.Leaf(entryHash));
        if (wantedSizes.Contains(_frontier.Size))
        {
            _roots[_frontier.Size] = _frontier.Root();
        }

        return leaf;
    }

    public void Finish() => Root = _frontier.Root();

    /// <summary>The root at a size up to <see cref="Size"/> that a note named (the empty tree's at 0).</summary>
    public byte[] RootAt(long size) => size == 0 ? MerkleHashing.EmptyRoot : _roots[size];

    public (EntryRef Entry, byte[] Hash) EntryAt(long leaf) => _leaves[leaf];
}
