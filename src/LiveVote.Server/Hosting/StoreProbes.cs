namespace LiveVote.Server.Hosting;

/// <summary>
/// What <c>/readyz</c> asks of each store partition, in partition order (element i is partition i): does its batch
/// writer run, and does its store answer a ping now. The node with one store has one probe (TelemetrySetup registers
/// it from the one <see cref="Ingest.BatchWriter"/> and <see cref="Storage.IVoteStore"/>); a node with several
/// partitions registers its own instance, which replaces that default.
/// </summary>
internal sealed class StoreProbes
{
    public StoreProbes(IEnumerable<StoreProbe> partitionsInOrder)
    {
        Partitions = [.. partitionsInOrder];
        ArgumentOutOfRangeException.ThrowIfZero(Partitions.Count);
    }

    public IReadOnlyList<StoreProbe> Partitions { get; }
}

/// <summary>One store partition's readiness probe.</summary>
/// <param name="WriterRunning">Whether the partition's batch writer runs.</param>
/// <param name="PingAsync">The partition's live ping (<see cref="Storage.IVoteStore.PingAsync"/>).</param>
internal sealed record StoreProbe(Func<bool> WriterRunning, Func<CancellationToken, Task<bool>> PingAsync);
