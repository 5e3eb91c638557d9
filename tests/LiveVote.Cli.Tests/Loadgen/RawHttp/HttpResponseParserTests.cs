using System.Text;
using LiveVote.Cli.Loadgen.RawHttp;

namespace LiveVote.Cli.Tests.Loadgen.RawHttp;

public sealed class HttpResponseParserTests
{
    private const string Created =
        "HTTP/1.1 201 Created\r\nContent-Length: 17\r\nContent-Type: application/json; charset=utf-8\r\nDate: Sun, 06 Dec 2026 02:00:00 GMT\r\n" +
        "Server: Kestrel\r\n\r\n{\"voteId\":\"1234\"}";

    [Fact]
    public void TryParse_ContentLengthAnswer_GivesStatusBodyAndLength()
    {
        var bytes = Bytes(Created);

        Assert.True(HttpResponseParser.TryParse(bytes, atEnd: false, out var head, out var body, out var consumed));

        Assert.Equal(201, head.Status);
        Assert.False(head.HasRetryAfter);
        Assert.False(head.ConnectionClose);
        Assert.Equal("{\"voteId\":\"1234\"}", Encoding.ASCII.GetString(body.Span));
        Assert.Equal(bytes.Length, consumed);
    }

    [Fact]
    public void TryParse_EveryShorterPrefix_AsksForMoreBytes()
    {
        var bytes = Bytes(Created);
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.False(HttpResponseParser.TryParse(bytes.AsMemory(0, length), atEnd: false, out _, out _, out _), $"prefix of {length} bytes");
        }
    }

    [Fact]
    public void TryParse_TwoAnswersInOneRead_ConsumesOnlyTheFirst()
    {
        var bytes = Bytes(Created + "HTTP/1.1 409 Conflict\r\nContent-Length: 0\r\n\r\n");

        Assert.True(HttpResponseParser.TryParse(bytes, atEnd: false, out var first, out _, out var consumed));
        Assert.True(HttpResponseParser.TryParse(bytes.AsMemory(consumed), atEnd: false, out var second, out var body, out var rest));

        Assert.Equal(201, first.Status);
        Assert.Equal(409, second.Status);
        Assert.True(body.IsEmpty);
        Assert.Equal(bytes.Length, consumed + rest);
    }

    [Fact]
    public void TryParse_ChunkedProblem_DecodesTheBody()
    {
        var bytes = Bytes("HTTP/1.1 401 Unauthorized\r\nContent-Type: application/problem+json\r\nTransfer-Encoding: chunked\r\n\r\n" +
                          "a\r\n{\"title\":\"\r\n7;ext=1\r\nbad\"}  \r\n0\r\n\r\n");

        Assert.True(HttpResponseParser.TryParse(bytes, atEnd: false, out var head, out var body, out var consumed));

        Assert.Equal(401, head.Status);
        Assert.Equal("{\"title\":\"bad\"}  ", Encoding.ASCII.GetString(body.Span));
        Assert.Equal(bytes.Length, consumed);
        Assert.False(HttpResponseParser.TryParse(bytes.AsMemory(0, bytes.Length - 1), atEnd: false, out _, out _, out _));
    }

    [Fact]
    public void TryParse_ServiceUnavailableWithRetryAfter_GivesTheDelay()
    {
        var bytes = Bytes("HTTP/1.1 503 Service Unavailable\r\nretry-after: 2\r\nContent-Length: 0\r\n\r\n");

        Assert.True(HttpResponseParser.TryParse(bytes, atEnd: false, out var head, out _, out _));

        Assert.Equal(503, head.Status);
        Assert.True(head.HasRetryAfter);
        Assert.Equal(TimeSpan.FromSeconds(2), head.RetryAfter);
    }

    [Fact]
    public void TryParse_RetryAfterAsADate_IsARetryAfterWithNoDelay()
    {
        var bytes = Bytes("HTTP/1.1 503 Service Unavailable\r\nRetry-After: Sun, 06 Dec 2026 02:00:00 GMT\r\nContent-Length: 0\r\n\r\n");

        Assert.True(HttpResponseParser.TryParse(bytes, atEnd: false, out var head, out _, out _));

        Assert.True(head.HasRetryAfter);
        Assert.Null(head.RetryAfter);
    }

    [Fact]
    public void TryParse_ConnectionClose_SaysTheConnectionEnds()
    {
        var bytes = Bytes("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");

        Assert.True(HttpResponseParser.TryParse(bytes, atEnd: false, out var head, out _, out _));

        Assert.True(head.ConnectionClose);
    }

    [Fact]
    public void TryParse_BodyFramedByTheConnectionsEnd_WaitsForTheEnd()
    {
        var bytes = Bytes("HTTP/1.1 200 OK\r\n\r\nall of it");

        Assert.False(HttpResponseParser.TryParse(bytes, atEnd: false, out _, out _, out _));
        Assert.True(HttpResponseParser.TryParse(bytes, atEnd: true, out var head, out var body, out _));
        Assert.True(head.ConnectionClose);
        Assert.Equal("all of it", Encoding.ASCII.GetString(body.Span));
    }

    [Fact]
    public void TryParse_NoContentAnswer_HasNoBody()
    {
        var bytes = Bytes("HTTP/1.1 204 No Content\r\nDate: x\r\n\r\n");

        Assert.True(HttpResponseParser.TryParse(bytes, atEnd: false, out var head, out var body, out var consumed));

        Assert.Equal(204, head.Status);
        Assert.True(body.IsEmpty);
        Assert.Equal(bytes.Length, consumed);
    }

    [Theory]
    [InlineData("SSH-2.0-OpenSSH_9.2\r\n\r\n")]
    [InlineData("HTTP/1.1 2x1 Created\r\n\r\n")]
    [InlineData("HTTP/1.1 201 Created\r\nno colon here\r\n\r\n")]
    [InlineData("HTTP/1.1 201 Created\r\nContent-Length: -3\r\n\r\n")]
    [InlineData("HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")]
    public void TryParse_NotAnHttpAnswer_Throws(string text)
    {
        Assert.Throws<FormatException>(() => HttpResponseParser.TryParse(Bytes(text), atEnd: false, out _, out _, out _));
    }

    [Fact]
    public void TryParse_ConnectionEndsInsideTheBody_Throws()
    {
        var bytes = Bytes(Created[..^3]);

        Assert.Throws<FormatException>(() => HttpResponseParser.TryParse(bytes, atEnd: true, out _, out _, out _));
    }

    private static byte[] Bytes(string text) => Encoding.ASCII.GetBytes(text);
}
