using LiveVote.Server.Ingest;

namespace LiveVote.Server.Telemetry;

/// <summary>
/// The ingest queues of this node, one per store partition in partition order (element i feeds partition i's writer):
/// what the <c>livevote.queue.*</c> gauges and the console's queue figures read, tagged with the partition. The node
/// with one store has one queue (TelemetrySetup registers that by default); a node with several registers its own
/// list, which replaces the default.
/// </summary>
internal sealed class IngestQueueDepths
{
    private readonly IngestQueue[] _queues;

    public IngestQueueDepths(IEnumerable<IngestQueue> queuesInPartitionOrder)
    {
        _queues = [.. queuesInPartitionOrder];
        ArgumentOutOfRangeException.ThrowIfZero(_queues.Length);
    }

    /// <summary>Each partition's queue as it is now.</summary>
    public QueueFill[] Read()
    {
        var fills = new QueueFill[_queues.Length];
        for (var partition = 0; partition < _queues.Length; partition++)
        {
            fills[partition] = new QueueFill(partition, _queues[partition].Count, _queues[partition].Capacity);
        }

        return fills;
    }
}

/// <summary>One partition's ingest queue: items waiting in front of its writer, and its size.</summary>
internal readonly record struct QueueFill(int Partition, int Depth, int Capacity);
