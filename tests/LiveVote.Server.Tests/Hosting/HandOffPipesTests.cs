using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using LiveVote.Server.Hosting;

namespace LiveVote.Server.Tests.Hosting;

/// <summary>
/// The pipes the HTTP layer uses on a public connection (<see cref="HandOffReader"/>, <see cref="HandOffWriter"/>): the
/// connection's own until the hand-off; then the layer reads an ended request stream and writes nowhere, and the real
/// pipes stay open for the taker.
/// </summary>
public sealed class HandOffPipesTests
{
    [Fact]
    public async Task Reader_PassesTheConnectionsBytes_ThenReadsAnEndedStream_AndLeavesTheConnectionsInputOpen()
    {
        var connection = new Pipe();
        var reader = new HandOffReader(connection.Reader);
        await connection.Writer.WriteAsync("GET / HTTP/1.1\r\n\r\n"u8.ToArray());

        var request = await reader.ReadAsync();
        Assert.Equal("GET / HTTP/1.1\r\n\r\n", Encoding.ASCII.GetString(request.Buffer.ToArray()));
        reader.AdvanceTo(request.Buffer.End);

        reader.HandOff();
        await connection.Writer.WriteAsync("after"u8.ToArray());
        var ended = await reader.ReadAsync();
        Assert.True(ended.IsCompleted);
        Assert.True(ended.Buffer.IsEmpty);
        Assert.True(reader.TryRead(out var again) && again.IsCompleted);
        reader.AdvanceTo(ended.Buffer.End);
        reader.Complete();

        // The connection's input was neither consumed nor completed: the taker (or the transport) still owns it.
        Assert.True(connection.Reader.TryRead(out var pending));
        Assert.Equal("after", Encoding.ASCII.GetString(pending.Buffer.ToArray()));
        Assert.False(pending.IsCompleted);
        connection.Reader.AdvanceTo(pending.Buffer.End);
        var flushed = await connection.Writer.WriteAsync("more"u8.ToArray());
        Assert.False(flushed.IsCompleted);
    }

    [Fact]
    public async Task Writer_PassesTheResponseHeaders_ThenDropsWhatTheLayerWritesAfterTheHandOff_AndLeavesTheOutputOpen()
    {
        var connection = new Pipe();
        var writer = new HandOffWriter(connection.Writer);
        await writer.WriteAsync("HTTP/1.1 200 OK\r\n\r\n"u8.ToArray());

        writer.HandOff();
        "0\r\n\r\n"u8.CopyTo(writer.GetSpan(5));
        writer.Advance(5);
        var dropped = await writer.FlushAsync();
        Assert.False(dropped.IsCompleted);
        await writer.WriteAsync(new byte[10_000]);
        Assert.Equal(0, writer.UnflushedBytes);
        await writer.CompleteAsync();

        // The taker's write follows the headers directly, and the connection's output is not completed.
        await connection.Writer.WriteAsync("d\r\nretry: 1000\n\n\r\n"u8.ToArray());
        var read = await connection.Reader.ReadAsync();
        Assert.Equal("HTTP/1.1 200 OK\r\n\r\nd\r\nretry: 1000\n\n\r\n", Encoding.ASCII.GetString(read.Buffer.ToArray()));
        Assert.False(read.IsCompleted);
    }
}
