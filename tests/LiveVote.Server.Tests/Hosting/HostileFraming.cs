using System.Globalization;
using System.Text;

namespace LiveVote.Server.Tests.Hosting;

/// <summary>
/// Turns a generated request into raw HTTP/1.x bytes, with what only a socket can send: request lines with other
/// versions, stray bytes and odd separators; missing, repeated and bogus Host headers; broken header lines (bad
/// names, control and non-ASCII bytes, folding, bare LF, oversized lines); and every body framing: Content-Length
/// right, repeated, garbled or short, chunked (right and broken), Content-Length together with chunked, and transfer
/// codings Kestrel must refuse. Never a body shorter than announced: the server would (rightly) wait for the rest.
/// Every request says Connection: close, so its answer ends when the server closes.
/// </summary>
internal sealed class HostileFraming(Random random)
{
    public (byte[] Bytes, string Version, string Framing) Encode(string method, string target, List<(string Name, string Value)> headers, byte[] body)
    {
        var version = random.Next(16) switch
        {
            0 or 1 => "HTTP/1.0",
            2 => "HTTP/2.0",
            3 => "HTTP/9.9",
            4 => random.Pick("HTTX/1.1", "http/1.1", "HTTP/1.1 ", "HTTP/1", "HTTP/1.10", "", "HTTP/01.1", "HTTP/1.1\u0000"),
            _ => "HTTP/1.1",
        };
        var text = new MemoryStream();
        void Write(string s) => text.Write(Encoding.UTF8.GetBytes(s));

        Write(method);
        Write(random.Next(30) == 0 ? random.Pick("  ", "\t", " \u0000") : " ");
        if (random.Next(12) == 0)
        {
            text.Write([0xC3, 0x28, 0xFF, 0xFE]);
        }

        Write(target);
        Write(version.Length == 0 ? "\r\n" : " " + version + "\r\n");
        switch (random.Next(20))
        {
            case 0:
                break;
            case 1:
                Write("Host: 127.0.0.1\r\nHost: evil.example\r\n");
                break;
            case 2:
                Write("Host: " + random.Pick("evil.example", "", "127.0.0.1:99999", "a@b", "[::1", "\u00e9.example", new string('h', 3000), "127.0.0.1, evil") + "\r\n");
                break;
            default:
                Write("Host: 127.0.0.1\r\n");
                break;
        }

        // The server closes after answering, so the reader knows the answer is complete without waiting.
        Write("Connection: close\r\n");
        foreach (var (name, value) in headers)
        {
            Write($"{name}: {value}\r\n");
        }

        var framing = random.Next(20);
        var length = body.Length.ToString(CultureInfo.InvariantCulture);
        switch (framing)
        {
            case 0:
                Write("Transfer-Encoding: chunked\r\n\r\n");
                text.Write(Chunked(body));
                return (text.ToArray(), version, "chunked");
            case 1:
                Write("Transfer-Encoding: chunked\r\n\r\n");
                Write(random.Pick("zz\r\n{}\r\n0\r\n\r\n", "5\r\n{}\r\n0\r\n\r\n", "-1\r\n{}\r\n0\r\n\r\n", "ffffffffffffffffffff\r\n{}\r\n0\r\n\r\n",
                    "2;ext=\u0001\r\n{}\r\n0\r\n\r\n", "2\n{}\n0\n\n", "0x2\r\n{}\r\n0\r\n\r\n", "2\r\n{}0\r\n\r\n", "0\r\nX-Trailer: " + new string('t', 20000) + "\r\n\r\n"));
                return (text.ToArray(), version, "broken chunked");
            case 2:
                Write($"Content-Length: {length}\r\nContent-Length: {body.Length + 1}\r\n\r\n");
                text.Write(body);
                return (text.ToArray(), version, "two lengths");
            case 3:
                Write($"Content-Length: {length}\r\nTransfer-Encoding: chunked\r\n\r\n");
                text.Write(Chunked(body));
                return (text.ToArray(), version, "length and chunked");
            case 4:
                var coding = random.Pick("gzip, chunked", "chunked, gzip", "identity", "xchunked", "chunked\u000b", "Chunked", "chunked, chunked", "gzip", ", chunked", "");
                Write($"Transfer-Encoding: {coding}\r\n\r\n");
                text.Write(coding.Trim().EndsWith("chunked", StringComparison.OrdinalIgnoreCase) ? Chunked(body) : body);
                return (text.ToArray(), version, $"coding '{coding}'");
            case 5:
                Write($"Content-Length: {random.Pick("-1", "abc", "1,1", "+5", "99999999999999999999", "", "0x10", "1 2", length + ", " + length, " " + length)}\r\n\r\n");
                text.Write(body);
                return (text.ToArray(), version, "garbled length");
            case 6:
                // Shorter than the body: the rest looks like a second (pipelined or smuggled) request.
                Write($"Content-Length: {body.Length / 2}\r\n\r\n");
                text.Write(body);
                Write("POST /v1/polls HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}");
                return (text.ToArray(), version, "short length");
            case 7:
                Write(random.Pick("X-Bad\u0001Header: 1\r\n", "X-Bad Header: 1\r\n", "X-Space : 1\r\n", "NoColon\r\n", ": empty-name\r\n", " obs-fold: continued\r\n",
                    "X-Nul: a\u0000b\r\n", "X-Bare-Lf: 1\n", "X-Cr: a\rb\r\n", "X-Huge: " + new string('h', 20000) + "\r\n", "\u00e9: accent\r\n"));
                if (random.Next(2) == 0)
                {
                    Write("X-Utf8: ");
                    text.Write([0xE2, 0x28, 0xA1, 0xC0, 0xAF, 0x00, 0x7F]);
                    Write("\r\n");
                }

                Write($"Content-Length: {length}\r\n\r\n");
                text.Write(body);
                return (text.ToArray(), version, "broken header line");
            default:
                if (body.Length > 0 || random.Next(2) == 0)
                {
                    Write($"Content-Length: {length}\r\n");
                }

                Write("\r\n");
                text.Write(body);
                return (text.ToArray(), version, "length");
        }
    }

    /// <summary>The body in chunks of random sizes, now and then with chunk extensions and a trailer.</summary>
    private byte[] Chunked(byte[] body)
    {
        var output = new MemoryStream();
        var offset = 0;
        while (offset < body.Length)
        {
            var size = Math.Min(body.Length - offset, random.Next(1, 2000));
            output.Write(Encoding.ASCII.GetBytes(size.ToString("x", CultureInfo.InvariantCulture) + (random.Next(8) == 0 ? ";name=value" : "") + "\r\n"));
            output.Write(body, offset, size);
            output.Write("\r\n"u8);
            offset += size;
        }

        output.Write(random.Next(8) == 0 ? "0\r\nX-Trailer: 1\r\n\r\n"u8 : "0\r\n\r\n"u8);
        return output.ToArray();
    }
}
