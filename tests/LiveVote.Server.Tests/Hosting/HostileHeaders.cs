using System.Text;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Hosting;

/// <summary>
/// Request headers from a seeded <see cref="Random"/>: content types and charsets, content encodings, authorization
/// schemes and sizes, admin keys, accept, range, conditionals, CORS, forwarding, tracing, upgrades, and oversized,
/// numerous and repeated headers.
/// </summary>
internal sealed class HostileHeaders(Random random)
{
    private static readonly string[] MediaTypes =
    [
        "application/json", "application/json", "application/json", "text/json", "application/problem+json", "application/vnd.api+json",
        "APPLICATION/JSON", "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data",
        "multipart/form-data; boundary=xyz", "application/octet-stream", "text/event-stream", "*/*", "application/*", "application",
        "application/", "/json", "json", "application/json/extra", "", " ", ";;;", "application/json;", "application/json;;",
        "application/json, text/plain", "application/json; q=1", "application/json; boundary=charset", "text/html",
    ];

    /// <summary>Known, unknown, unsupported (UTF-7 by all its names), quoted, empty, unbalanced and odd charsets.</summary>
    private static readonly string[] Charsets =
    [
        "utf-8", "UTF-8", "\"utf-8\"", "utf8", "utf-7", "UTF-7", "\"utf-7\"", "utf-7 ", "unicode-1-1-utf-7", "csUnicode11UTF7", "x-unicode20utf7",
        "unicode-2-0-utf-7", "x-unicode2-0-utf-7", "utf-16", "utf-16le", "UTF-16BE", "unicodeFFFE", "utf-32", "utf-32be", "us-ascii", "ascii", "iso-8859-1",
        "latin1", "windows-1252", "cp1252", "ibm037", "ebcdic-cp-us", "shift_jis", "gb18030", "big5", "koi8-r", "x-unknown", "weird", "\"weird\"", "",
        "\"\"", "''", "'utf-8'", "utf-8\"", "\"utf-8", "65001", "1200", "utf-8,utf-16", "utf 8", "*", "%75tf-8", "=utf-8", "utf-8; charset=utf-7",
        "utf-7; charset=utf-8", "\\u0075tf-8", "utf-8\t",
    ];

    public string? ContentType()
    {
        if (random.Next(8) == 0)
        {
            return null;
        }

        var media = MediaTypes[random.Next(MediaTypes.Length)];
        return random.Next(5) switch
        {
            0 or 1 => $"{media}{random.Pick("; ", ";", " ; ")}{random.Pick("charset", "Charset", "CHARSET")}={Charsets[random.Next(Charsets.Length)]}",
            2 when random.Next(4) == 0 => media + "; charset" + random.Pick("", "=", "==utf-8", " = utf-8"),
            2 when random.Next(4) == 0 => media + "; " + string.Join("; ", Enumerable.Range(0, random.Next(2, 120)).Select(i => $"p{i}={random.Ascii(3)}")),
            2 when random.Next(4) == 0 => media + "; x=" + new string('y', random.Next(1000, 6000)),
            _ => media,
        };
    }

    /// <summary>0 to 5 headers from every family, now and then a flood of them.</summary>
    public List<(string Name, string Value)> Next()
    {
        var headers = new List<(string, string)>();
        var count = random.Next(6);
        for (var i = 0; i < count; i++)
        {
            headers.AddRange(random.Next(16) switch
            {
                0 or 1 => Authorization(),
                2 => AdminKey(),
                3 => [("Content-Encoding", random.Pick("gzip", "br", "deflate", "identity", "compress", "x-unknown", "gzip, gzip", "", "GZIP", "zstd", "gzip, br, deflate, identity"))],
                4 => [("Accept", random.Pick("*/*", "text/html", "application/json", "application/problem+json", "text/event-stream", ";;", "application/json;q=abc",
                    "*/*;q=0", "text/*, application/*;q=0.1", string.Join(", ", Enumerable.Range(0, 200).Select(i => $"a/b{i}"))))],
                5 => Range(),
                6 => Conditional(),
                7 => [("Origin", random.Pick("https://studio.example.tv", "https://evil.example", "null", random.Ascii(50), "")),
                      ("Access-Control-Request-Method", random.Pick("POST", "GET", "DELETE", "FOO", "")),
                      ("Access-Control-Request-Headers", random.Pick("content-type", "authorization, x-captcha", "x-admin-key", random.Ascii(40)))],
                8 => [("X-Forwarded-For", random.Pick("1.2.3.4", "not-an-ip", "::1, 10.0.0.1", new string('9', 500), "2001:db8::1", "[2001:db8::1]:80", "1.2.3.4:5",
                    string.Join(", ", Enumerable.Range(0, 300).Select(i => $"10.0.{i % 250}.1")), "")),
                      ("X-Forwarded-Proto", random.Pick("https", "http", "gopher", "", "https, http"))],
                9 => [(random.Pick("traceparent", "tracestate", "baggage"), random.Pick("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                    "00-00000000000000000000000000000000-0000000000000000-01", "ff-x-y-z", random.Ascii(random.Next(1, 600))))],
                10 => [(random.Pick("Accept-Language", "Accept-Encoding", "Accept-Charset", "User-Agent", "Cookie", "Referer", "Cache-Control", "Last-Event-ID", "Max-Forwards"),
                    random.Next(3) == 0 ? new string('v', random.Next(1000, 8000)) : random.Ascii(random.Next(0, 60)))],
                11 => [("X-Captcha", random.Pick(random.Ascii(300), Convert.ToBase64String(Encoding.UTF8.GetBytes("{\"number\":1}")), "", "===", new string('A', 6000)))],
                12 => Upgrade(),
                13 => [("X-Long", new string('h', random.Next(4000, 20000)))],
                14 => Repeated(),
                _ => [("X-Many-" + i, random.Ascii(10))],
            });
        }

        if (random.Next(40) == 0)
        {
            // More fields than Kestrel allows (64), or more bytes in all than it allows (16 KiB).
            var many = random.Next(2) == 0 ? 80 : 20;
            var size = many == 80 ? 1 : 1000;
            for (var i = 0; i < many; i++)
            {
                headers.Add(($"X-Extra-{i}", new string('1', size)));
            }
        }

        return headers;
    }

    private List<(string, string)> Authorization()
    {
        var scheme = random.Pick("Bearer", "bearer", "BEARER", "Basic", "Digest", "Negotiate", "NTLM", "Token", "AWS4-HMAC-SHA256", "", "Bearer Bearer");
        var credentials = random.Next(9) switch
        {
            0 => "",
            1 => random.Ascii(random.Next(1, 100)),
            2 => new string('t', random.Next(3000, 15000)),
            3 => TestTokens.Create("x", DateTimeOffset.UtcNow.AddHours(1), alg: "none"),
            4 => TestTokens.Create("x", DateTimeOffset.UtcNow.AddHours(1), signingKey: "some-other-signing-key-0123456789abcdef"),
            5 => TestTokens.WithFlippedSignature(TestTokens.Create("x", DateTimeOffset.UtcNow.AddHours(1), signingKey: "yet-another-signing-key-0123456789abcdef")),
            6 => random.Pick("a.b.c", "..", "a..b", "....", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "dXNlcjpwYXNz", "=====", "a.b.c.d.e"),
            7 => TestTokens.Encode("{\"alg\":\"HS256\",\"kid\":\"" + random.Ascii(20) + "\"}") + "." + TestTokens.Encode("{\"sub\":" + random.Pick("1", "null", "[]", "\"\"") + "}") + "." + random.Ascii(43),
            _ => Convert.ToBase64String(Encoding.UTF8.GetBytes(random.Ascii(random.Next(1, 40)) + ":" + random.Ascii(10))),
        };
        var header = ("Authorization", (scheme + " " + credentials).Trim());
        return random.Next(10) == 0 ? [header, ("Authorization", "Bearer " + random.Ascii(20))] : [header];
    }

    private List<(string, string)> AdminKey()
    {
        var key = random.Next(6) switch
        {
            0 => "",
            1 => new string('k', random.Next(200, 5000)),
            2 => LiveVoteServer.AdminKey[..^1],
            3 => LiveVoteServer.AdminKey.ToUpperInvariant(),
            4 => LiveVoteServer.AdminKey + random.Ascii(1),
            _ => random.Ascii(random.Next(1, 400)),
        };

        // Twice, even with the right key: two keys are never a verified admin.
        return random.Next(8) == 0 ? [("X-Admin-Key", key), ("X-Admin-Key", LiveVoteServer.AdminKey)] : [("X-Admin-Key", key)];
    }

    private List<(string, string)> Range()
    {
        var range = random.Next(3) == 0
            ? "bytes=" + string.Join(",", Enumerable.Range(0, random.Next(2, 300)).Select(i => $"{i}-{i + random.Next(0, 3)}"))
            : random.Pick("bytes=0-0", "bytes=0-", "bytes=-1", "bytes=5-1", "bytes=0-1,2-3", "bytes=99999999999999999999-", "items=0-1", "bytes=", "bytes=-",
                "bytes=-0", "bytes=0-99999999", "bytes=1-2, 1-2, 1-2", "bytes = 0-1", "bytes=a-b", "bytes=0--1");
        return random.Next(3) == 0 ? [("Range", range), ("If-Range", random.Pick("\"x\"", "W/\"1\"", "Wed, 21 Oct 2015 07:28:00 GMT", random.Ascii(30)))] : [("Range", range)];
    }

    private List<(string, string)> Conditional() =>
    [
        (random.Pick("If-None-Match", "If-Match", "If-Modified-Since", "If-Unmodified-Since"),
            random.Pick("*", "\"1\"", "W/\"1\"", "\"0\", \"1\", \"2\"", "Wed, 21 Oct 2015 07:28:00 GMT", "Thu, 01 Jan 9999 00:00:00 GMT", "yesterday",
                random.Ascii(random.Next(1, 100)), string.Join(",", Enumerable.Range(0, 500).Select(i => $"\"{i}\"")))),
    ];

    private List<(string, string)> Upgrade() => random.Next(3) switch
    {
        0 => [("Connection", "Upgrade"), ("Upgrade", random.Pick("websocket", "h2c", "HTTP/2.0", "TLS/1.2", random.Ascii(10))),
              ("Sec-WebSocket-Version", "13"), ("Sec-WebSocket-Key", random.Pick("dGhlIHNhbXBsZSBub25jZQ==", random.Ascii(5)))],
        1 => [("Expect", random.Pick("100-continue", "200-ok", "", random.Ascii(20)))],
        _ => [("HTTP2-Settings", random.Ascii(20)), ("Keep-Alive", random.Pick("timeout=5, max=1000", random.Ascii(10))), ("TE", random.Pick("trailers", "gzip", "chunked"))],
    };

    private List<(string, string)> Repeated()
    {
        var name = random.Pick("X-Admin-Key", "Authorization", "Content-Type", "Accept", "Cookie", "X-Captcha", "Origin", "If-None-Match", "X-Forwarded-For", "Range");
        var times = random.Next(2, 70);
        return [.. Enumerable.Range(0, times).Select(i => (name, name switch
        {
            "Content-Type" => random.Pick("application/json", "text/plain", "application/json; charset=utf-7"),
            "Authorization" => "Bearer " + random.Ascii(10),
            _ => random.Ascii(random.Next(1, 30)),
        }))];
    }
}
