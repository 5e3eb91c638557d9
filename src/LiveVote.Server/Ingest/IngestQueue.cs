using System.Threading.Channels;
using LiveVote.Server.Polls;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Ingest;

/// <summary>
/// The bounded queue in front of the batch writer. Votes never wait for room: a full queue is an immediate "no"
/// (503 + Retry-After) so that nothing is accepted that cannot be stored in time, and nothing is silently dropped.
/// </summary>
internal sealed class IngestQueue
{
    private readonly Channel<WriterCommand> _channel;

    public IngestQueue(IOptions<IngestOptions> options)
    {
        Capacity = options.Value.QueueCapacity;
        _channel = Channel.CreateBounded<WriterCommand>(new BoundedChannelOptions(Capacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
            AllowSynchronousContinuations = false,
        });
    }

    public int Capacity { get; }

    public int Count => _channel.Reader.Count;

    public ChannelReader<WriterCommand> Reader => _channel.Reader;

    public bool TryEnqueueVote(in WriterCommand vote) => _channel.Writer.TryWrite(vote);

    /// <summary>Poll changes are few and must not be refused for a busy queue: they wait for room instead.</summary>
    public ValueTask EnqueuePollCommandAsync(PollCommand command, CancellationToken cancellationToken) =>
        _channel.Writer.WriteAsync(WriterCommand.PollChange(command), cancellationToken);

    /// <summary>
    /// Audit notes (risk decisions, admin lockouts) are rare and must not be lost to a momentary burst, so they wait
    /// for room like poll changes; the caller bounds the wait with <paramref name="cancellationToken"/>.
    /// </summary>
    public bool TryEnqueueNote(Storage.AuditNote note) => _channel.Writer.TryWrite(WriterCommand.Note(note));

    public ValueTask EnqueueNoteAsync(Storage.AuditNote note, CancellationToken cancellationToken) =>
        _channel.Writer.WriteAsync(WriterCommand.Note(note), cancellationToken);

    /// <summary>No more items are taken; the writer drains what is queued and stops.</summary>
    public void Complete() => _channel.Writer.TryComplete();
}
