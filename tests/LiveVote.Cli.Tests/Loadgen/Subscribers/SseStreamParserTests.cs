using System.Text;
using LiveVote.Cli.Loadgen.Subscribers;

namespace LiveVote.Cli.Tests.Loadgen.Subscribers;

public sealed class SseStreamParserTests
{
    // Kestrel's shape: chunked body, an event split across chunks, a comment, a multi-line data event, then the last chunk.
    private const string Response =
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" +
        "d\r\nretry: 1000\n\n\r\n" +
        "15\r\nevent: results\ndata: \r\n" +
        "15\r\n{\"version\":7,\"x\":1}\n\n\r\n" +
        "e\r\n: keep-alive\n\n\r\n" +
        "1d\r\nid: 9\ndata: one\ndata: two\r\n\r\n\r\n" +
        "0\r\n\r\n";

    [Fact]
    public void Parse_WholeOrByteByByte_GivesTheSameEvents_CommentsAndEnd()
    {
        var whole = Parse([Encoding.ASCII.GetBytes(Response)]);
        var byteByByte = Parse([.. Encoding.ASCII.GetBytes(Response).Select(b => new[] { b })]);

        foreach (var (parser, sink) in new[] { whole, byteByByte })
        {
            Assert.Equal(200, parser.StatusCode);
            Assert.True(parser.Ended);
            Assert.Null(parser.Error);
            Assert.Equal(["results|{\"version\":7,\"x\":1}|", "message|one\ntwo|9"], sink.Events);
            Assert.Equal(1, sink.Comments);
        }
    }

    [Fact]
    public void Parse_ARefusal_GivesItsStatus()
    {
        var (parser, sink) = Parse([Encoding.ASCII.GetBytes("HTTP/1.1 429 Too Many Requests\r\nRetry-After: 5\r\nContent-Length: 0\r\n\r\n")]);

        Assert.Equal(429, parser.StatusCode);
        Assert.True(parser.HeadComplete);
        Assert.Empty(sink.Events);
    }

    [Fact]
    public void TryReadVersion_ReadsTheVersionMember()
    {
        Assert.True(SseSubscriber.TryReadVersion("{\"pollId\":\"p\",\"version\":12345,\"asOf\":\"x\"}"u8, out var version));
        Assert.Equal(12345, version);
        Assert.False(SseSubscriber.TryReadVersion("{\"pollId\":\"p\"}"u8, out _));
    }

    private static (SseStreamParser Parser, RecordingSink Sink) Parse(IEnumerable<byte[]> pieces)
    {
        var sink = new RecordingSink();
        var parser = new SseStreamParser(sink);
        foreach (var piece in pieces)
        {
            parser.Feed(piece);
        }

        return (parser, sink);
    }

    private sealed class RecordingSink : ISseSink
    {
        public List<string> Events { get; } = [];

        public int Comments { get; private set; }

        public void OnEvent(ReadOnlySpan<byte> eventName, ReadOnlySpan<byte> data, string? id) =>
            Events.Add($"{Encoding.UTF8.GetString(eventName)}|{Encoding.UTF8.GetString(data)}|{id}");

        public void OnComment() => Comments++;
    }
}
