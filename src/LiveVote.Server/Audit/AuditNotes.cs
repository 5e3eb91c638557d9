using System.Threading.Channels;
using LiveVote.Server.Ingest;
using LiveVote.Server.Storage;
using LiveVote.Server.Telemetry;

namespace LiveVote.Server.Audit;

/// <summary>
/// Hands audit notes (risk decisions, admin lockouts) to the batch writer, the only writer of the audit chain, without
/// making the request wait: a note goes straight into the queue, or, if the queue is full at that moment, a background
/// wait of up to <see cref="MaxWait"/> takes it there. Notes are rare, so the wait is cheap; one that still finds no
/// room (or a stopping server) is counted in <c>livevote.audit.notes.dropped</c>, never silently lost.
/// </summary>
internal sealed class AuditNotes(IngestQueue queue)
{
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(2);

    public void Post(AuditNote note)
    {
        LiveVoteTelemetry.AuditNoteQueued(note.Kind);
        if (!queue.TryEnqueueNote(note))
        {
            _ = WaitForRoomAsync(note);
        }
    }

    private async Task WaitForRoomAsync(AuditNote note)
    {
        using var timeout = new CancellationTokenSource(MaxWait);
        try
        {
            await queue.EnqueueNoteAsync(note, timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            LiveVoteTelemetry.AuditNotesDropped(1);
        }
    }
}
