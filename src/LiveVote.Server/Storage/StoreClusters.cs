namespace LiveVote.Server.Storage;

/// <summary>
/// The store partitions a node writes to, in partition order: one <see cref="IVoteStore"/> per PostgreSQL cluster
/// (<c>LiveVote:Postgres:Partitions</c>), or the one SQLite file. A voter's votes go to
/// <c>All[VoterPartitioner.PartitionOf(key, poll.PartitionCount)]</c> and nowhere else; each partition has its own queue
/// and batch writer (<see cref="Ingest.IngestPartitions"/>), so one cluster's failover stalls only its own voters.
/// </summary>
public sealed class StoreClusters
{
    public StoreClusters(IReadOnlyList<IVoteStore> stores)
    {
        ArgumentOutOfRangeException.ThrowIfZero(stores.Count);
        All = stores;
        Shared = [.. stores.OfType<ISharedVoteStore>()];
    }

    public IReadOnlyList<IVoteStore> All { get; }

    public int Count => All.Count;

    public IVoteStore this[int partition] => All[partition];

    /// <summary>A shared store's partitions (PostgreSQL), or none (SQLite: its writer is the only one).</summary>
    public IReadOnlyList<ISharedVoteStore> Shared { get; }
}
