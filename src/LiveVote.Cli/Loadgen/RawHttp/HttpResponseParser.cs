using System.Buffers.Text;
using System.Text;

namespace LiveVote.Cli.Loadgen.RawHttp;

/// <summary>What the head of an HTTP/1.1 response says, and where its body lies in the received bytes.</summary>
internal readonly record struct ResponseHead(int Status, bool HasRetryAfter, TimeSpan? RetryAfter, bool ConnectionClose);

/// <summary>
/// Parses one HTTP/1.1 response from the bytes received so far, without copying the common case: a status line,
/// headers, and a body framed by Content-Length (Kestrel's answer to a vote). Chunked bodies (a problem+json written
/// as it is serialised) are decoded into a new array, and a body framed by the end of the connection is taken whole
/// once the connection ends. Only the headers the vote sender acts on are read: Content-Length, Transfer-Encoding,
/// Connection and Retry-After.
/// </summary>
internal static class HttpResponseParser
{
    private static readonly byte[] HeaderEnd = "\r\n\r\n"u8.ToArray();

    /// <summary>
    /// True when <paramref name="data"/> holds a whole response: its head, its body and how many bytes it took. False
    /// when more bytes are needed. <paramref name="atEnd"/>: the peer closed the connection after these bytes.
    /// Throws <see cref="FormatException"/> on bytes that are not an HTTP/1.x response.
    /// </summary>
    public static bool TryParse(ReadOnlyMemory<byte> source, bool atEnd, out ResponseHead head, out ReadOnlyMemory<byte> body, out int consumed)
    {
        var data = source.Span;
        head = default;
        body = default;
        consumed = 0;
        var headLength = data.IndexOf(HeaderEnd);
        if (headLength < 0)
        {
            return atEnd ? throw new FormatException("The connection ended inside a response head.") : false;
        }

        var lines = data[..headLength];
        var lineEnd = lines.IndexOf("\r\n"u8);
        var statusLine = lineEnd < 0 ? lines : lines[..lineEnd];
        // "HTTP/1.1 201 Created": the version, a space, three digits.
        if (statusLine.Length < 12 || !statusLine.StartsWith("HTTP/1."u8) || statusLine[8] != (byte)' ' ||
            !Utf8Parser.TryParse(statusLine.Slice(9, 3), out int status, out var used) || used != 3)
        {
            throw new FormatException($"Not an HTTP/1.x status line: '{Encoding.ASCII.GetString(statusLine)}'.");
        }

        long contentLength = -1;
        var chunked = false;
        var close = statusLine[7] == (byte)'0'; // HTTP/1.0 closes unless told otherwise; good enough for a load generator
        var hasRetryAfter = false;
        TimeSpan? retryAfter = null;
        var rest = lineEnd < 0 ? [] : lines[(lineEnd + 2)..];
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf("\r\n"u8);
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 2)..];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                throw new FormatException($"Not a header line: '{Encoding.ASCII.GetString(line)}'.");
            }

            var name = line[..colon];
            var value = line[(colon + 1)..].Trim((byte)' ');
            if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
            {
                if (!Utf8Parser.TryParse(value, out contentLength, out var digits) || digits != value.Length || contentLength < 0)
                {
                    throw new FormatException("Bad Content-Length.");
                }
            }
            else if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
            {
                chunked = EndsWithIgnoreCase(value, "chunked"u8);
            }
            else if (Ascii.EqualsIgnoreCase(name, "Connection"u8))
            {
                close = ContainsIgnoreCase(value, "close"u8);
            }
            else if (Ascii.EqualsIgnoreCase(name, "Retry-After"u8))
            {
                hasRetryAfter = true;
                // Delta-seconds; an HTTP date is a Retry-After all the same, with no delay the sender can use directly.
                retryAfter = Utf8Parser.TryParse(value, out int seconds, out var parsed) && parsed == value.Length && seconds >= 0
                    ? TimeSpan.FromSeconds(seconds)
                    : null;
            }
        }

        head = new ResponseHead(status, hasRetryAfter, retryAfter, close);
        var bodyStart = headLength + HeaderEnd.Length;
        if (status is (>= 100 and < 200) or 204 or 304)
        {
            consumed = bodyStart;
            return true;
        }

        if (chunked)
        {
            return TryDecodeChunked(data[bodyStart..], atEnd, out body, out var chunkedLength) && Consumed(bodyStart + chunkedLength, out consumed);
        }

        if (contentLength >= 0)
        {
            if (data.Length - bodyStart < contentLength)
            {
                return atEnd ? throw new FormatException("The connection ended inside a response body.") : false;
            }

            body = source.Slice(bodyStart, (int)contentLength);
            consumed = bodyStart + (int)contentLength;
            return true;
        }

        // No framing: the body runs to the end of the connection, which closes.
        if (!atEnd)
        {
            return false;
        }

        head = head with { ConnectionClose = true };
        body = source[bodyStart..data.Length];
        consumed = data.Length;
        return true;
    }

    private static bool Consumed(int value, out int consumed)
    {
        consumed = value;
        return true;
    }

    /// <summary>Chunks ("1a\r\n...\r\n") up to the zero chunk and its trailer section's empty line.</summary>
    private static bool TryDecodeChunked(ReadOnlySpan<byte> data, bool atEnd, out ReadOnlyMemory<byte> body, out int consumed)
    {
        body = default;
        consumed = 0;
        var decoded = new List<byte>();
        var position = 0;
        while (true)
        {
            var sizeEnd = data[position..].IndexOf("\r\n"u8);
            if (sizeEnd < 0)
            {
                return Incomplete(atEnd);
            }

            var sizeText = data.Slice(position, sizeEnd);
            var extension = sizeText.IndexOf((byte)';');
            if (extension >= 0)
            {
                sizeText = sizeText[..extension];
            }

            if (!Utf8Parser.TryParse(sizeText.Trim((byte)' '), out int size, out var digits, 'x') || digits == 0 || size < 0)
            {
                throw new FormatException("Bad chunk size.");
            }

            position += sizeEnd + 2;
            if (size == 0)
            {
                // Trailer fields (none expected) end with an empty line.
                var trailerEnd = data[position..].IndexOf("\r\n"u8);
                while (trailerEnd > 0)
                {
                    position += trailerEnd + 2;
                    trailerEnd = data[position..].IndexOf("\r\n"u8);
                }

                if (trailerEnd < 0)
                {
                    return Incomplete(atEnd);
                }

                body = decoded.ToArray();
                consumed = position + 2;
                return true;
            }

            if (data.Length - position < size + 2)
            {
                return Incomplete(atEnd);
            }

            decoded.AddRange(data.Slice(position, size));
            if (!data.Slice(position + size, 2).SequenceEqual("\r\n"u8))
            {
                throw new FormatException("A chunk does not end with CRLF.");
            }

            position += size + 2;
        }
    }

    private static bool Incomplete(bool atEnd) => atEnd ? throw new FormatException("The connection ended inside a chunked body.") : false;

    private static bool EndsWithIgnoreCase(ReadOnlySpan<byte> value, ReadOnlySpan<byte> suffix) =>
        value.Length >= suffix.Length && Ascii.EqualsIgnoreCase(value[^suffix.Length..], suffix);

    private static bool ContainsIgnoreCase(ReadOnlySpan<byte> value, ReadOnlySpan<byte> word)
    {
        for (var i = 0; i + word.Length <= value.Length; i++)
        {
            if (Ascii.EqualsIgnoreCase(value.Slice(i, word.Length), word))
            {
                return true;
            }
        }

        return false;
    }
}
