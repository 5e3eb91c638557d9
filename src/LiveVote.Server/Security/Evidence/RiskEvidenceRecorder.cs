using System.Security.Cryptography;
using System.Threading.Channels;

namespace LiveVote.Server.Security.Evidence;

/// <summary>
/// Takes the evidence of a decision off the request path: <see cref="Record"/> gives the row a random reference (the
/// public audit entry's <c>"evidence"</c>) and queues it; one loop writes what queued meanwhile in one transaction.
/// Evidence is a review aid, not a count: when the table cannot answer, or a flood fills the queue, rows are dropped
/// and logged (the decision itself is still in the audit trail and the metrics), never waited for by a vote.
/// </summary>
internal sealed partial class RiskEvidenceRecorder : IAsyncDisposable
{
    /// <summary>Most rows written in one transaction.</summary>
    internal const int MaxBatch = 256;

    /// <summary>Most rows waiting; decisions are already rate-bounded per voter (NoteRepeatWindow) and per hour (lockouts).</summary>
    internal const int MaxQueued = 8_192;

    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);

    private readonly IRiskEvidenceTable _table;
    private readonly TimeProvider _time;
    private readonly ILogger<RiskEvidenceRecorder> _logger;
    private readonly Channel<RiskEvidence> _queue =
        Channel.CreateBounded<RiskEvidence>(new BoundedChannelOptions(MaxQueued) { SingleReader = true });

    private readonly CancellationTokenSource _stop = new();
    private readonly Task _writer;

    public RiskEvidenceRecorder(IRiskEvidenceTable table, TimeProvider time, ILogger<RiskEvidenceRecorder> logger)
    {
        _table = table;
        _time = time;
        _logger = logger;
        _writer = Task.Run(WriteAsync);
    }

    /// <summary>Queues the evidence of one decision; returns its reference, 32 lower-case hex digits, for the public entry.</summary>
    public string Record(string kind, string action, string? pollId, byte[]? voterKey, string network, string detail)
    {
        var reference = RandomNumberGenerator.GetBytes(RiskEvidence.RefSize);
        var row = new RiskEvidence(0, reference, kind, action, pollId, voterKey, network, detail, _time.GetUtcNow().ToUnixTimeMilliseconds());
        if (!_queue.Writer.TryWrite(row))
        {
            LogDropped(_logger, 1, "queue full");
        }

        return Convert.ToHexStringLower(reference);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_queue.Writer.TryComplete())
        {
            return;
        }

        // What is queued is written before the server stops (the loop ends once the queue is empty), unless the
        // table does not answer within the host's shutdown: then the rest is dropped and logged.
        if (await Task.WhenAny(_writer, Task.Delay(DrainTimeout)).ConfigureAwait(false) != _writer)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
        }

        await _writer.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task WriteAsync()
    {
        var batch = new List<RiskEvidence>(MaxBatch);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
            {
                batch.Clear();
                while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var row))
                {
                    batch.Add(row);
                }

                try
                {
                    await _table.InsertAsync(batch, _stop.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (!_stop.IsCancellationRequested)
                {
                    LogDropped(_logger, batch.Count, $"{e.GetType().Name}: {e.Message}");
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            var left = 0;
            while (_queue.Reader.TryRead(out _))
            {
                left++;
            }

            if (left + batch.Count > 0)
            {
                LogDropped(_logger, left + batch.Count, "server stopping");
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Risk evidence not stored ({Reason}): {Count} rows dropped; their decisions are still in the audit trail.")]
    private static partial void LogDropped(ILogger logger, int count, string reason);
}
