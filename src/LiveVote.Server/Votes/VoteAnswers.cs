using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using LiveVote.Contracts;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace LiveVote.Server.Votes;

/// <summary>
/// Writes a standing vote's answer (201 or 200 with its <see cref="VoteResponse"/>) straight into the response pipe:
/// serialized synchronously into a per-thread buffer with the very metadata the framework's JSON results use (the
/// app's <see cref="JsonOptions"/>, so the bytes are theirs), then handed to Kestrel with its Content-Length. Why not
/// <c>TypedResults.Created</c>/<c>Ok</c>: per vote they cost a wrapper, a union wrapper and the serializer's
/// asynchronous path (a state machine and a flush of its own); Kestrel flushes the written body when the endpoint returns.
/// </summary>
internal sealed class VoteAnswers
{
    private const string ContentType = "application/json; charset=utf-8";

    // One buffer and writer per thread, reused vote after vote: the answer is ~200 bytes and written synchronously.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    [ThreadStatic]
    private static VoteAnswers? t_writerOwner;

    private readonly JsonTypeInfo<VoteResponse> _json;
    private readonly JsonWriterOptions _writerOptions;

    public VoteAnswers(IOptions<JsonOptions> options)
    {
        var serializer = options.Value.SerializerOptions;
        _json = (JsonTypeInfo<VoteResponse>)serializer.GetTypeInfo(typeof(VoteResponse));

        // As the serializer sets up its own writer for these options.
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

    /// <summary>Sets the status, Content-Type and Content-Length and writes the body; nothing is left to await.</summary>
    public void Write(HttpContext context, int statusCode, VoteResponse vote)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(256);
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

        JsonSerializer.Serialize(writer, vote, _json);
        var response = context.Response;
        response.StatusCode = statusCode;
        response.ContentType = ContentType;
        response.ContentLength = buffer.WrittenCount;
        response.BodyWriter.Write(buffer.WrittenSpan);
    }
}
