using System.Buffers;
using System.Text.Json;

namespace LiveVote.Server.Hosting;

/// <summary>
/// Sends a small JSON answer straight into the response with its Content-Length: its owner writes the JSON
/// synchronously into this thread's buffer, with a writer set up as the serializer sets up its own (escaping,
/// indentation), and Kestrel flushes it when the request ends. Why: the serializer's asynchronous path costs a hot
/// route more than the answer itself (<see cref="Votes.VoteAnswers"/>, <see cref="DirectProblemWriter"/>). Each owner
/// type has its own buffer and writer on each thread (a generic type's statics are per type argument).
/// </summary>
internal sealed class DirectJsonAnswer<TOwner>
{
    // The answers are a few hundred bytes; a buffer grown past this by an odd one is given back, not kept on the thread.
    private const int MaxKeptBytes = 16 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    [ThreadStatic]
    private static DirectJsonAnswer<TOwner>? t_writerOwner;

    private readonly JsonWriterOptions _writerOptions;
    private readonly string _contentType;

    public DirectJsonAnswer(JsonSerializerOptions serializer, string contentType)
    {
        _contentType = contentType;
        _writerOptions = new JsonWriterOptions
        {
            Encoder = serializer.Encoder,
            Indented = serializer.WriteIndented,
            IndentCharacter = serializer.IndentCharacter,
            IndentSize = serializer.IndentSize,
            NewLine = serializer.NewLine,
            MaxDepth = serializer.MaxDepth,
            SkipValidation = true,
        };
    }

    /// <summary>This thread's writer, over its emptied buffer.</summary>
    public Utf8JsonWriter Start()
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(512);
        buffer.ResetWrittenCount();
        var writer = t_writer;
        if (writer is null || !ReferenceEquals(t_writerOwner, this))
        {
            // Another host in the process (tests) may have other options: the writer follows this one's.
            writer = t_writer = new Utf8JsonWriter(buffer, _writerOptions);
            t_writerOwner = this;
        }
        else
        {
            writer.Reset(buffer);
        }

        return writer;
    }

    /// <summary>Sends what the writer from <see cref="Start"/> wrote (and flushed): Content-Type, Content-Length, body.</summary>
    public void Send(HttpResponse response)
    {
        var buffer = t_buffer!;
        response.ContentType = _contentType;
        response.ContentLength = buffer.WrittenCount;
        response.BodyWriter.Write(buffer.WrittenSpan);
        if (buffer.Capacity > MaxKeptBytes)
        {
            t_buffer = null;
            t_writer = null;
        }
    }
}
