using System.Buffers;
using System.IO.Pipelines;

namespace LiveVote.Server.Hosting;

/// <summary>
/// The connection's input as the HTTP layer reads it (<see cref="ConnectionHandOff"/>): the real input until the hand-off,
/// then an ended stream, so the layer stops waiting for a next request and lets go. The real input is left as it is
/// (not completed): completing it would make the transport report the connection closed.
/// </summary>
internal sealed class HandOffReader(PipeReader input) : PipeReader
{
    private static readonly ReadResult Ended = new(ReadOnlySequence<byte>.Empty, isCanceled: false, isCompleted: true);
    private volatile bool _handedOff;

    public void HandOff() => _handedOff = true;

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) =>
        _handedOff ? ValueTask.FromResult(Ended) : input.ReadAsync(cancellationToken);

    public override bool TryRead(out ReadResult result)
    {
        if (_handedOff)
        {
            result = Ended;
            return true;
        }

        return input.TryRead(out result);
    }

    public override void AdvanceTo(SequencePosition consumed)
    {
        if (!_handedOff)
        {
            input.AdvanceTo(consumed);
        }
    }

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        if (!_handedOff)
        {
            input.AdvanceTo(consumed, examined);
        }
    }

    public override void CancelPendingRead()
    {
        if (!_handedOff)
        {
            input.CancelPendingRead();
        }
    }

    public override void Complete(Exception? exception = null)
    {
        if (!_handedOff)
        {
            input.Complete(exception);
        }
    }
}

/// <summary>
/// The connection's output as the HTTP layer writes it (<see cref="ConnectionHandOff"/>): the real output until the
/// hand-off, then nowhere (what the layer still writes is the end of the response it began, which the taker writes
/// instead when its own response ends).
/// </summary>
internal sealed class HandOffWriter(PipeWriter output) : PipeWriter
{
    // Where the HTTP layer's writes after the hand-off land: never read, so threads writing it at once do no harm. The
    // layer writes a chunked response's last chunk there (5 bytes); 4 KiB covers any header block it could still form.
    private static readonly byte[] Discarded = new byte[4096];
    private volatile bool _handedOff;

    public void HandOff() => _handedOff = true;

    public override bool CanGetUnflushedBytes => !_handedOff && output.CanGetUnflushedBytes;

    public override long UnflushedBytes => _handedOff ? 0 : output.UnflushedBytes;

    public override Memory<byte> GetMemory(int sizeHint = 0) =>
        !_handedOff ? output.GetMemory(sizeHint) : sizeHint <= Discarded.Length ? Discarded : new byte[sizeHint];

    public override Span<byte> GetSpan(int sizeHint = 0) =>
        !_handedOff ? output.GetSpan(sizeHint) : sizeHint <= Discarded.Length ? Discarded : new byte[sizeHint];

    public override void Advance(int bytes)
    {
        if (!_handedOff)
        {
            output.Advance(bytes);
        }
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) =>
        _handedOff ? ValueTask.FromResult(new FlushResult(isCanceled: false, isCompleted: false)) : output.FlushAsync(cancellationToken);

    public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default) =>
        _handedOff ? ValueTask.FromResult(new FlushResult(isCanceled: false, isCompleted: false)) : output.WriteAsync(source, cancellationToken);

    public override void CancelPendingFlush()
    {
        if (!_handedOff)
        {
            output.CancelPendingFlush();
        }
    }

    public override void Complete(Exception? exception = null)
    {
        if (!_handedOff)
        {
            output.Complete(exception);
        }
    }
}
