using System.Text.RegularExpressions;

namespace LiveVote.Server.Tests.Hosting;

/// <summary>
/// Generates hostile requests from a seeded <see cref="Random"/> (same seed and targets, same requests): any method at
/// every mapped route and static file, path tricks, query strings, headers (<see cref="HostileHeaders"/>) and bodies
/// (<see cref="HostileBodies"/>). About half are sent as raw bytes on a socket (<see cref="HostileFraming"/>: broken
/// request lines, header lines and body framing that HttpClient would never send), the rest through HttpClient.
/// </summary>
internal sealed partial class HostileRequests(Random random, HostileTargets targets)
{
    /// <summary>Methods HttpClient can send (tokens); raw requests also get lowercase, CONNECT and garbage.</summary>
    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "FOO", "PROPFIND", "QUERY"];

    private static readonly string[] PathTricks =
    [
        "/v1/polls/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "//v1//polls", "/v1/polls/%2F", "/v1/polls/%2f..%2f..%2fadmin",
        "/v1/polls/%00", "/v1/polls/%ZZ", "/v1/polls/%", "/./v1/./polls/.", "/v1/polls;a=b", "/v1/POLLS", "/V1/polls",
        "/js/../../../../etc/passwd", "/css/%2e%2e%2f%2e%2e%2fappsettings.json", "/wwwroot/index.html", "/appsettings.json",
        "/vote/%2e%2e%2fadmin", "/results/" + new string('x', 300), "/admin/..", "/healthz/../v1/polls", "/v1/viewers/%20",
        "/v1/polls/{open}/audit?after=-1&limit=0", "/v1/polls/{open}/audit?after=abc", "/v1/polls/{open}/audit?limit=99999999999999999999",
        "/v1/polls/{open}/audit?after=1e10", "/v1/polls/{open}/results?x=%FF%FE", "/v1/polls/{draft}/results/stream", "/v1/polls/{bogus}/results/stream",
        "/v1/polls/{open}/votes/", "/v1/polls/{open}//votes", "/v1/polls/{open}/votes%2F", "/v1/polls/{open}/VOTES", "/metrics/../healthz",
        "/v1/admin/stats/", "/v1/admin/%73tats", "/index.html%00.js", "/js/", "/css", "/%c0%ae%c0%ae/", "/\u00e9", "/v1/polls/{open}#frag",
    ];

    /// <summary>Targets only a raw request line can carry.</summary>
    private static readonly string[] RawTargets =
    [
        "*", "http://evil.example/v1/polls", "http://127.0.0.1/v1/polls", "127.0.0.1:80", "v1/polls", "", "/v1/polls /x", "/v1\tpolls", "?a=1",
        "https://[::1]/healthz", "//evil.example/", "/v1/polls\u0000", "/" + new string('a', 5000),
    ];

    private readonly HostileHeaders _headers = new(random);
    private readonly HostileBodies _bodies = new(random);
    private readonly HostileFraming _framing = new(random);

    public HostileRequest Next(int index)
    {
        var raw = random.Next(20) < 11;
        var (method, target) = MethodAndTarget(raw);
        var headers = _headers.Next();
        if (_headers.ContentType() is { } contentType)
        {
            headers.Insert(random.Next(headers.Count + 1), ("Content-Type", contentType));
        }

        var (body, bodyKind) = random.Next(4) == 0 ? ((byte[]?)null, "no body") : _bodies.Next();
        var description = $"{method} {HostileText.Show(target)} [{bodyKind}; {string.Join(", ", headers.Select(h => h.Name + (h.Name is "Content-Type" or "Content-Encoding" or "Range" ? "=" + HostileText.Show(h.Value) : "")))}]";
        if (!raw)
        {
            return new HostileRequest(index, description, method, target, headers, body, null, null);
        }

        var (bytes, version, framing) = _framing.Encode(method, target, headers, body ?? []);
        return new HostileRequest(index, $"raw {version} {framing}: {description}", method, target, headers, body, bytes, version);
    }

    private (string Method, string Target) MethodAndTarget(bool raw)
    {
        var kind = random.Next(20);
        string method, target;
        if (kind < 14)
        {
            var (routeMethod, pattern) = targets.Routes[random.Next(targets.Routes.Count)];
            method = random.Next(5) == 0 ? AnyMethod(raw) : routeMethod;
            target = RouteParameter().Replace(pattern, _ => PollId()) + Query();
        }
        else if (kind < 16)
        {
            method = random.Next(4) == 0 ? AnyMethod(raw) : random.Pick("GET", "HEAD");
            target = targets.Files[random.Next(targets.Files.Count)] + (random.Next(4) == 0 ? Query() : "");
        }
        else if (kind < 18)
        {
            method = AnyMethod(raw);
            target = Fill(PathTricks[random.Next(PathTricks.Length)]);
        }
        else
        {
            method = AnyMethod(raw);
            target = raw && random.Next(2) == 0
                ? Fill(RawTargets[random.Next(RawTargets.Length)])
                : "/" + string.Join('/', Enumerable.Range(0, random.Next(1, 6)).Select(_ => Uri.EscapeDataString(random.Unicode(random.Next(1, 30))))) + Query();
        }

        if (!raw)
        {
            // HttpClient resolves dot segments and refuses what is not a relative URI; keep what it can send.
            target = target.Replace("#", "%23", StringComparison.Ordinal);
        }

        return (method, target);
    }

    private string AnyMethod(bool raw) => !raw || random.Next(3) != 0
        ? Methods[random.Next(Methods.Length)]
        : random.Next(4) switch
        {
            0 => Methods[random.Next(Methods.Length)].ToLowerInvariant(),
            1 => "CONNECT",
            2 => random.Ascii(random.Next(1, 20)),
            _ => random.Pick("G\u00c9T", "GET\u0000", "", "POST POST", "\tGET", "GE T"),
        };

    private string PollId() => random.Next(9) switch
    {
        0 or 1 => targets.OpenPoll,
        2 => targets.DraftPoll,
        3 => targets.ClosedPoll,
        4 => Uri.EscapeDataString(random.Unicode(random.Next(1, 50))),
        5 => new string('a', random.Next(40, 200)),
        6 => random.Pick("%00", "..", "%2e%2e", "%2F", "-", "a--b", "A", "demo", "0", " ", "%20"),
        _ => random.Ascii(random.Next(1, 12)).ToUpperInvariant().Replace("/", "", StringComparison.Ordinal).Replace("?", "", StringComparison.Ordinal)
            .Replace("#", "", StringComparison.Ordinal),
    };

    private string Query() => random.Next(10) switch
    {
        0 => "?after=" + random.NumberText() + "&limit=" + random.NumberText(),
        1 => "?" + Uri.EscapeDataString(random.Unicode(10)) + "=" + Uri.EscapeDataString(random.Unicode(10)),
        2 => "?limit=" + new string('9', random.Next(1, 40)),
        3 => "?" + random.Pick("limit=1&limit=2", "after=1&after=x", "%", "%ZZ", "a=%FF%FE", "&&&", "=", "a", "transparent", "a[]=1&a[b]=2", "__proto__=1",
            "after=" + random.NumberText(), "limit=" + random.NumberText(), "after=&limit="),
        4 => "?" + string.Join('&', Enumerable.Range(0, random.Next(50, 400)).Select(i => $"p{i}={random.Ascii(3).Replace("&", "", StringComparison.Ordinal).Replace("#", "", StringComparison.Ordinal)}")),
        5 => "?x=" + new string('x', random.Next(1000, 5000)),
        _ => "",
    };

    private string Fill(string path) => path.Replace("{open}", targets.OpenPoll, StringComparison.Ordinal).Replace("{draft}", targets.DraftPoll, StringComparison.Ordinal)
        .Replace("{bogus}", "no-such-poll", StringComparison.Ordinal);

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex RouteParameter();
}

/// <summary>Where the hostile requests go: the server's own routes and files, and its polls in every state.</summary>
internal sealed record HostileTargets(string OpenPoll, string DraftPoll, string ClosedPoll, IReadOnlyList<(string Method, string Pattern)> Routes, IReadOnlyList<string> Files);

/// <summary>One generated request: sent with HttpClient, or as <see cref="Raw"/> bytes on a socket when those are set.</summary>
internal sealed record HostileRequest(
    int Index, string Description, string Method, string Target, List<(string Name, string Value)> Headers, byte[]? Body, byte[]? Raw, string? Version)
{
    /// <summary>Kestrel's 505 to a request line that claims another HTTP version is the protocol's own answer: the one correct 5xx.</summary>
    public bool MayBeRefusedForItsVersion => Raw is not null && Version is not null && !Version.StartsWith("HTTP/1.", StringComparison.Ordinal);

    public override string ToString() => $"#{Index} {Description}";
}
