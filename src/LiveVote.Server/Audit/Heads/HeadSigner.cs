using LiveVote.Server.Audit.Merkle;
using LiveVote.Server.Audit.Signing;
using LiveVote.Server.Storage;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Audit.Heads;

/// <summary>
/// Signs a checkpoint (C2SP tlog-checkpoint in a signed note, docs/design.md 7.6) for every log of this node's writers
/// that grew: at least every <see cref="AuditSigningOptions.HeadIntervalMs"/>, at once after a poll's lifecycle change,
/// and a last time at stop (it stops after the writers have drained, being registered before them). Each head goes to
/// the <c>signed_heads</c> table of the log's own store partition; with PostgreSQL each node signs only its own chains,
/// whose heads its writers published. A failed write is tried again at the next round, with the newer head.
/// </summary>
internal sealed partial class HeadSigner(
    CommittedLogHeads heads,
    StoreClusters stores,
    AuditSigner signer,
    IOptions<AuditSigningOptions> options,
    TimeProvider time,
    ILogger<HeadSigner> logger) : BackgroundService
{
    // The size of each log's newest signed head, as this node knows it; read from the store the first time a log is
    // seen (a restarted SQLite node resumes its logs, which may already be signed at their size).
    private readonly Dictionary<LogKey, long> _signed = [];
    // One round at a time (the loop's and the one at stop). Never disposed: the host may stop a service after disposing it.
    private readonly SemaphoreSlim _round = new(1, 1);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);

        // The writers have committed what was queued: sign the final heads, so a poll's last votes are provable too.
        await SignRoundAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMilliseconds(options.Value.HeadIntervalMs);
        while (!stoppingToken.IsCancellationRequested)
        {
            using (var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
            {
                var soon = heads.WaitForSignSoonAsync(wake.Token);
                var tick = Task.Delay(interval, time, wake.Token);
                await Task.WhenAny(soon, tick);
                await wake.CancelAsync();
                await Task.WhenAll(soon, tick).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            }

            if (!stoppingToken.IsCancellationRequested)
            {
                await SignRoundAsync(stoppingToken);
            }
        }
    }

    private async Task SignRoundAsync(CancellationToken cancellationToken)
    {
        await _round.WaitAsync(CancellationToken.None);
        try
        {
            foreach (var (key, head) in heads.Snapshot())
            {
                try
                {
                    await SignAsync(key, head, cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    LogSignFailed(logger, e, key.PollId, key.Partition, key.Chain, head.Size);
                }
            }
        }
        finally
        {
            _round.Release();
        }
    }

    private async Task SignAsync(LogKey key, LogHead head, CancellationToken cancellationToken)
    {
        if (stores[key.Partition] is not IAuditLogStore store)
        {
            return;
        }

        if (!_signed.TryGetValue(key, out var signedSize))
        {
            var stored = await store.ReadHeadAsync(new MerkleLogId(key.PollId, key.Chain), size: null, cancellationToken);
            signedSize = stored?.Size ?? 0;
            _signed[key] = signedSize;
        }

        if (head.Size <= signedSize)
        {
            return;
        }

        var at = time.GetUtcNow().ToUnixTimeMilliseconds();
        var origin = Checkpoints.Origin(signer.Origin, key.PollId, key.Partition, key.Chain);
        var note = signer.SignNote(Checkpoints.Body(origin, head.Size, head.Root, at));
        await store.WriteSignedHeadAsync(new SignedHead(0, key.PollId, key.Chain, head.Size, head.Root, at, note), cancellationToken);
        _signed[key] = head.Size;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Signing the head of log {Partition}.{Chain} of poll {PollId} at size {Size} failed; the next round tries again")]
    private static partial void LogSignFailed(ILogger logger, Exception exception, string pollId, int partition, int chain, long size);
}
