using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace LiveVote.Server.Tests.Hosting;

/// <summary>Request bodies from a seeded <see cref="Random"/>: broken, mistyped, huge, deep, binary, compressed, re-encoded.</summary>
internal sealed class HostileBodies(Random random)
{
    public (byte[] Body, string Kind) Next()
    {
        switch (random.Next(14))
        {
            case 0:
            case 1:
                return (Encoding.UTF8.GetBytes(Json(0)), "random json");
            case 2:
                var depth = random.Next(65, 3000);
                return (Encoding.UTF8.GetBytes(random.Next(2) == 0
                    ? new string('[', depth) + new string(']', depth)
                    : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth)), $"nested {depth}");
            case 3:
                return (Encoding.UTF8.GetBytes($"{{\"title\":\"{new string('t', random.Next(100, 6000))}\",\"optionId\":\"{new string('o', random.Next(10, 3000))}\"}}"),
                    "huge strings");
            case 4:
                var bytes = new byte[random.Next(1, 300)];
                random.NextBytes(bytes);
                return ([.. "{\"optionId\":\""u8, .. bytes, .. "\"}"u8], "invalid utf-8");
            case 5:
                return (Encoding.UTF8.GetBytes(random.Pick(
                    "{\"optionId\":5}", "{\"optionId\":null}", "{\"optionId\":[\"a\"]}", "{\"title\":[],\"options\":\"x\"}",
                    "{\"title\":\"t\",\"options\":[null,1,{\"id\":{}}]}", "{\"displayName\":7,\"captcha\":{}}", "{\"captcha\":\"" + random.Ascii(200) + "\"}",
                    "null", "[]", "\"\"", "0", "true", "{", "{\"a\":", "{\"optionId\":\"a\"", "{}}", "\uFEFF{}", "{\"optionId\":\"a\",\"optionId\":\"b\"}",
                    "{\"show\":\"yes\"}", "{\"show\":1}", "{\"title\":\"t\",\"options\":[{\"id\":\"a\",\"label\":\"A\"},{\"id\":\"a\",\"label\":\"A\"}]}",
                    "{\"optionId\":\"a\"}", "{\"optionId\":\"b\"}", "{\"show\":true}", "{\"displayName\":\"x\"}")), "wrong types");
            case 6:
                return (Encoding.UTF8.GetBytes("{\"displayName\":\"" + HostileText.Escape(random.Unicode(random.Next(1, 200))) + "\"}"), "unicode name");
            case 7:
                return (new byte[random.Next(4097, 20000)], "too large");
            case 8:
                return ([0, 0, 0, 0, 0], "nul bytes");
            case 9:
                var noise = new byte[random.Next(0, 2000)];
                random.NextBytes(noise);
                return (noise, "random bytes");
            case 10:
                // What a client that compressed its body sends (Content-Encoding is generated separately, so it may lie).
                return (Compress(Encoding.UTF8.GetBytes(Json(0))), "gzip json");
            case 11:
                // JSON in another encoding than UTF-8, with or without its BOM: fits a charset=utf-16/32 header, or not.
                var encoding = random.Next(3) switch { 0 => Encoding.Unicode, 1 => Encoding.BigEndianUnicode, _ => Encoding.UTF32 };
                var text = encoding.GetBytes("{\"optionId\":\"" + HostileText.Escape(random.Unicode(random.Next(0, 20))) + "\"}");
                return (random.Next(2) == 0 ? [.. encoding.GetPreamble(), .. text] : text, $"{encoding.WebName} json");
            case 12:
                return (Encoding.UTF8.GetBytes(random.Pick("a=1&b=2", "--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--xyz--\r\n", "<x/>", "optionId=a")),
                    "form or xml");
            default:
                return ([], "empty");
        }
    }

    private string Json(int depth)
    {
        return random.Next(depth > 4 ? 4 : 7) switch
        {
            0 => "null",
            1 => random.Next(2) == 0 ? "true" : "false",
            2 => (random.NextDouble() * 1e6 * (random.Next(2) == 0 ? -1 : 1)).ToString(CultureInfo.InvariantCulture),
            3 => "\"" + HostileText.Escape(random.Unicode(random.Next(0, 40))) + "\"",
            4 => "\"" + random.Pick("a", "b", "optionId", "title", "options", "id", "label", "captcha", "show") + "\"",
            5 => "[" + string.Join(',', Enumerable.Range(0, random.Next(0, 5)).Select(_ => Json(depth + 1))) + "]",
            _ => "{" + string.Join(',', Enumerable.Range(0, random.Next(0, 5)).Select(_ =>
                "\"" + random.Pick("optionId", "title", "options", "id", "label", "displayName", "captcha", "show", HostileText.Escape(random.Unicode(5))) + "\":" +
                Json(depth + 1))) + "}",
        };
    }

    private static byte[] Compress(byte[] data)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return buffer.ToArray();
    }
}
