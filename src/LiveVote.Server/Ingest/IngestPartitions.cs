using LiveVote.Server.Storage;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Ingest;

/// <summary>
/// One bounded queue and one batch writer per store partition (<see cref="StoreClusters"/>): every commit stays local to
/// one cluster, and a cluster that stalls (a failover) fills only its own queue, so the other clusters' voters are
/// answered as usual while its voters get 503 + Retry-After. Starts the writers together and stops them together; each
/// drains its own queue.
/// </summary>
internal sealed class IngestPartitions : IHostedService
{
    public IngestPartitions(StoreClusters stores, IServiceProvider services, IOptions<IngestOptions> options)
    {
        Queues = [.. stores.All.Select(_ => new IngestQueue(options))];
        Writers = [.. stores.All.Select((store, partition) => ActivatorUtilities.CreateInstance<BatchWriter>(services, Queues[partition], store, partition))];
        Telemetry.LiveVoteTelemetry.PartitionsStarted(stores.Count);
    }

    /// <summary>Each partition's queue, in partition order.</summary>
    public IReadOnlyList<IngestQueue> Queues { get; }

    /// <summary>Each partition's writer, in partition order.</summary>
    public IReadOnlyList<BatchWriter> Writers { get; }

    public Task StartAsync(CancellationToken cancellationToken) => Task.WhenAll(Writers.Select(w => w.StartAsync(cancellationToken)));

    public Task StopAsync(CancellationToken cancellationToken) => Task.WhenAll(Writers.Select(w => w.StopAsync(cancellationToken)));
}
