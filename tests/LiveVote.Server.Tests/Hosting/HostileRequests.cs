using System.Globalization;
using System.Text;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Hosting;

/// <summary>Generates malformed requests from a seeded <see cref="Random"/>: same seed, same requests.</summary>
internal sealed class HostileRequests(Random random, HostileState state)
{
    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "FOO", "PROPFIND"];

    private static readonly string[] ContentTypes =
    [
        "application/json", "application/json; charset=utf-8", "text/plain", "application/xml", "multipart/form-data; boundary=xyz",
        "application/x-www-form-urlencoded", "application/json; charset=utf-16", "application/json; charset=\"weird\"", "*/*", ";;;",
        "application/problem+json", "text/event-stream",
    ];

    private static readonly string[] PathTricks =
    [
        "/v1/polls/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "//v1//polls", "/v1/polls/%2F", "/v1/polls/%2f..%2f..%2fadmin",
        "/v1/polls/%00", "/v1/polls/%ZZ", "/v1/polls/%", "/./v1/./polls/.", "/v1/polls;a=b", "/v1/POLLS", "/V1/polls",
        "/js/../../../../etc/passwd", "/css/%2e%2e%2f%2e%2e%2fappsettings.json", "/wwwroot/index.html", "/appsettings.json",
        "/vote/%2e%2e%2fadmin", "/results/" + new string('x', 300), "/admin/..", "/healthz/../v1/polls", "/v1/viewers/%20",
        "*", "http://evil.example/v1/polls", "/v1/polls?limit=1&limit=2", "/v1/polls/{open}/audit?after=-1&limit=0",
        "/v1/polls/{open}/audit?after=abc", "/v1/polls/{open}/audit?limit=99999999999999999999", "/v1/polls/{open}/audit?after=1e10",
        "/v1/polls/{open}/results?x=%FF%FE", "/v1/polls/{draft}/results/stream", "/v1/polls/{bogus}/results/stream",
    ];

    private static readonly string[] Templates =
    [
        "POST /v1/polls", "GET /v1/polls", "GET /v1/polls/{id}", "POST /v1/polls/{id}/open", "POST /v1/polls/{id}/close",
        "POST /v1/viewers", "POST /v1/polls/{id}/votes", "GET /v1/polls/{id}/results", "GET /v1/polls/{id}/results/stream",
        "GET /v1/polls/{id}/audit", "GET /v1/captcha/challenge", "GET /healthz", "GET /readyz", "GET /", "GET /vote/{id}",
        "GET /results/{id}", "GET /admin", "GET /js/api.js", "GET /css/site.css", "GET /favicon.svg",
    ];

    public HostileRequest Next(int index) => random.Next(2) == 0 ? Structured(index) : Raw(index);

    private HostileRequest Structured(int index)
    {
        var template = Templates[random.Next(Templates.Length)].Split(' ');
        var method = random.Next(4) == 0 ? Methods[random.Next(Methods.Length)] : template[0];
        var target = template[1].Replace("{id}", PollId(), StringComparison.Ordinal) + Query();
        var (body, bodyKind) = random.Next(5) == 0 ? ((byte[]?)null, "no body") : Body();
        var contentType = random.Next(3) == 0 ? ContentTypes[random.Next(ContentTypes.Length)] : "application/json";
        var headers = Headers();
        return new HostileRequest(index, $"{method} {Show(target)} [{bodyKind}; {contentType}; {string.Join(", ", headers.Select(h => h.Name))}]",
            method, target, body, contentType, headers, null);
    }

    private HostileRequest Raw(int index)
    {
        var method = random.Next(6) switch
        {
            0 => Methods[random.Next(Methods.Length)].ToLowerInvariant(),
            1 => RandomAscii(random.Next(1, 20)),
            _ => Methods[random.Next(3)],
        };
        var target = random.Next(3) switch
        {
            0 => Fill(PathTricks[random.Next(PathTricks.Length)]),
            1 => Templates[random.Next(Templates.Length)].Split(' ')[1].Replace("{id}", PollId(), StringComparison.Ordinal),
            _ => "/" + new string('a', random.Next(1, 6000)),
        };
        var version = random.Next(8) switch
        {
            0 => "HTTP/1.0",
            1 => "HTTP/2.0",
            2 => "HTTP/9.9",
            3 => "HTTX/1.1",
            _ => "HTTP/1.1",
        };
        var (body, bodyKind) = random.Next(3) == 0 ? ([], "no body") : Body();
        var text = new MemoryStream();
        void Write(string s) => text.Write(Encoding.UTF8.GetBytes(s));
        Write($"{method} ");
        if (random.Next(10) == 0)
        {
            text.Write([0xC3, 0x28, 0xFF, 0xFE]);
        }

        Write($"{target} {version}\r\n");
        if (random.Next(10) != 0)
        {
            Write("Host: 127.0.0.1\r\n");
        }

        // The server closes after answering, so the reader knows the answer is complete without waiting.
        Write("Connection: close\r\n");

        foreach (var (name, value) in Headers())
        {
            Write($"{name}: {value}\r\n");
        }

        var framing = random.Next(8);
        switch (framing)
        {
            case 0:
                Write("Transfer-Encoding: chunked\r\n\r\n");
                Write(random.Next(2) == 0 ? "zz\r\n{}\r\n0\r\n\r\n" : "5\r\n{}\r\n0\r\n\r\n");
                break;
            case 1:
                Write($"Content-Length: {body.Length}\r\nContent-Length: {body.Length + 1}\r\n\r\n");
                text.Write(body);
                break;
            case 2:
                Write("X-Bad\u0001Header: 1\r\nX-Utf8: ");
                text.Write([0xE2, 0x28, 0xA1, 0xC0, 0xAF]);
                Write("\r\n\r\n");
                break;
            case 3:
                Write(" obs-fold: continued\r\n\r\n");
                break;
            default:
                Write($"Content-Type: {ContentTypes[random.Next(ContentTypes.Length)]}\r\nContent-Length: {body.Length}\r\n\r\n");
                text.Write(body);
                break;
        }

        return new HostileRequest(index, $"raw {Show(method)} {Show(target)} {version} [{bodyKind}; framing {framing}]", method, target, null, null, [],
            text.ToArray());
    }

    private string PollId() => random.Next(8) switch
    {
        0 => state.OpenPoll,
        1 => state.DraftPoll,
        2 => state.ClosedPoll,
        3 => Uri.EscapeDataString(RandomUnicode(random.Next(1, 50))),
        4 => new string('a', random.Next(40, 200)),
        5 => "%00",
        6 => "..",
        _ => RandomAscii(random.Next(1, 12)).ToUpperInvariant().Replace("/", "", StringComparison.Ordinal),
    };

    private string Query() => random.Next(6) switch
    {
        0 => "?after=" + RandomNumberText() + "&limit=" + RandomNumberText(),
        1 => "?" + Uri.EscapeDataString(RandomUnicode(10)) + "=" + Uri.EscapeDataString(RandomUnicode(10)),
        2 => "?limit=" + new string('9', random.Next(1, 40)),
        _ => "",
    };

    private string RandomNumberText() => random.Next(5) switch
    {
        0 => "-1",
        1 => "abc",
        2 => "1e9",
        3 => long.MaxValue.ToString(CultureInfo.InvariantCulture) + "0",
        _ => random.Next(-5, 5000).ToString(CultureInfo.InvariantCulture),
    };

    private (byte[] Body, string Kind) Body()
    {
        switch (random.Next(10))
        {
            case 0:
                return (Encoding.UTF8.GetBytes(RandomJson(0)), "random json");
            case 1:
                var depth = random.Next(65, 3000);
                return (Encoding.UTF8.GetBytes(random.Next(2) == 0
                    ? new string('[', depth) + new string(']', depth)
                    : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth)), $"nested {depth}");
            case 2:
                return (Encoding.UTF8.GetBytes($"{{\"title\":\"{new string('t', random.Next(100, 6000))}\",\"optionId\":\"{new string('o', random.Next(10, 3000))}\"}}"),
                    "huge strings");
            case 3:
                var bytes = new byte[random.Next(1, 300)];
                random.NextBytes(bytes);
                return ([.. "{\"optionId\":\""u8, .. bytes, .. "\"}"u8], "invalid utf-8");
            case 4:
                return (Encoding.UTF8.GetBytes(Pick(
                    "{\"optionId\":5}", "{\"optionId\":null}", "{\"optionId\":[\"a\"]}", "{\"title\":[],\"options\":\"x\"}",
                    "{\"title\":\"t\",\"options\":[null,1,{\"id\":{}}]}", "{\"displayName\":7,\"captcha\":{}}", "{\"captcha\":\"" + RandomAscii(200) + "\"}",
                    "null", "[]", "\"\"", "0", "true", "{", "{\"a\":", "{\"optionId\":\"a\"", "{}}", "\uFEFF{}", "{\"optionId\":\"a\",\"optionId\":\"b\"}")), "wrong types");
            case 5:
                return (Encoding.UTF8.GetBytes("{\"displayName\":\"" + RandomUnicode(random.Next(1, 200)).Replace("\\", "", StringComparison.Ordinal).Replace("\"", "", StringComparison.Ordinal) + "\"}"),
                    "unicode name");
            case 6:
                return (new byte[random.Next(4097, 20000)], "too large");
            case 7:
                return ([0, 0, 0, 0, 0], "nul bytes");
            default:
                return (Encoding.UTF8.GetBytes(RandomJson(0)), "random json");
        }
    }

    private List<(string Name, string Value)> Headers()
    {
        var headers = new List<(string, string)>();
        var count = random.Next(4);
        for (var i = 0; i < count; i++)
        {
            headers.Add(random.Next(11) switch
            {
                0 => ("Authorization", "Bearer " + RandomAscii(random.Next(1, 3000))),
                1 => ("Authorization", Pick("Bearer ", "Basic dXNlcjpwYXNz", "Bearer a.b.c", "bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
                    "Bearer " + TestTokens.Create("x", DateTimeOffset.UtcNow.AddHours(1), alg: "none"),
                    "Bearer " + TestTokens.Create("x", DateTimeOffset.UtcNow.AddHours(1), signingKey: "some-other-signing-key-0123456789abcdef"))),
                2 => ("X-Admin-Key", RandomAscii(random.Next(0, 400))),
                3 => ("X-Captcha", Pick(RandomAscii(300), Convert.ToBase64String(Encoding.UTF8.GetBytes(RandomJson(0))), "", "===")),
                4 => ("X-Long", new string('h', random.Next(4000, 20000))),
                5 => ("If-None-Match", RandomAscii(random.Next(1, 100))),
                6 => ("Accept", Pick("*/*", "text/html", "application/xml", ";;", "application/json;q=abc")),
                7 => ("X-Forwarded-For", Pick("1.2.3.4", "not-an-ip", "::1, 10.0.0.1", new string('9', 500))),
                8 => ("Origin", Pick("https://evil.example", "null", RandomAscii(50))),
                9 => ("Content-Length", Pick("-1", "abc", "99999999999999")),
                _ => ("X-Many-" + i, RandomAscii(10)),
            });
        }

        if (random.Next(40) == 0)
        {
            for (var i = 0; i < 80; i++)
            {
                headers.Add(($"X-Extra-{i}", "1"));
            }
        }

        return headers;
    }

    private string RandomJson(int depth)
    {
        return random.Next(depth > 4 ? 4 : 7) switch
        {
            0 => "null",
            1 => random.Next(2) == 0 ? "true" : "false",
            2 => (random.NextDouble() * 1e6 * (random.Next(2) == 0 ? -1 : 1)).ToString(CultureInfo.InvariantCulture),
            3 => "\"" + Escape(RandomUnicode(random.Next(0, 40))) + "\"",
            4 => "\"" + Pick("a", "b", "optionId", "title", "options", "id", "label", "captcha") + "\"",
            5 => "[" + string.Join(',', Enumerable.Range(0, random.Next(0, 5)).Select(_ => RandomJson(depth + 1))) + "]",
            _ => "{" + string.Join(',', Enumerable.Range(0, random.Next(0, 5)).Select(_ =>
                "\"" + Pick("optionId", "title", "options", "id", "label", "displayName", "captcha", Escape(RandomUnicode(5))) + "\":" + RandomJson(depth + 1))) + "}",
        };
    }

    private string RandomUnicode(int length)
    {
        var text = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            text.Append(random.Next(5) switch
            {
                0 => (char)random.Next(0x20, 0x7F),
                1 => (char)random.Next(0xA0, 0x2000),
                2 => "\u0000\u001F\u2028\u202E\uFEFF"[random.Next(5)],
                3 => char.ConvertFromUtf32(random.Next(0x1F600, 0x1F650)),
                _ => (char)random.Next('a', 'z' + 1),
            });
        }

        return text.ToString();
    }

    private string RandomAscii(int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = (char)random.Next(0x21, 0x7F);
        }

        return new string(chars);
    }

    private string Fill(string path) => path.Replace("{open}", state.OpenPoll, StringComparison.Ordinal).Replace("{draft}", state.DraftPoll, StringComparison.Ordinal)
        .Replace("{bogus}", "no-such-poll", StringComparison.Ordinal);

    private string Pick(params string[] values) => values[random.Next(values.Length)];

    private static string Escape(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    private static string Show(string text) => text.Length <= 80 ? text : text[..80] + $"...({text.Length})";
}
