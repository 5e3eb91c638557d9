using System.Globalization;
using LiveVote.Cli.CommandLine;

namespace LiveVote.Cli.Loadgen.Registration;

/// <summary>Which registration a burst sends.</summary>
internal enum RegistrationKind
{
    /// <summary>POST /v1/viewers with the admin key: a trusted back end, no CAPTCHA.</summary>
    Backend,

    /// <summary>GET /v1/captcha/challenge, then (solved before the clock starts) POST /v1/viewers with the solution.</summary>
    Public,
}

/// <summary>What one registration burst does, parsed from the command line.</summary>
internal sealed record RegistrationSettings(
    Uri Url,
    string? AdminKey,
    RegistrationKind Kind,
    int Count,
    int Connections,
    int Warmup,
    int? ServerPid,
    string? JsonPath)
{
    public static IReadOnlyList<OptionSpec> Specs { get; } =
    [
        new("url", "url", "server base address, e.g. http://127.0.0.1:5000 (required)"),
        .. AdminKeySource.Specs,
        new("kind", "backend|public", "backend: with the admin key (default); public: CAPTCHA challenges fetched and solved first, then registrations"),
        new("count", "n", "registrations in the timed window (default 20000)"),
        new("connections", "n", "HTTP/1.1 keep-alive connections (default 64)"),
        new("warmup", "n", "registrations sent first and left out of the figures (JIT, connections; default 2000)"),
        new("server-pid", "pid", "the server's process id on this machine: report its CPU per request from /proc/<pid>/stat"),
        new("json", "path", "write the phases and checks there as JSON"),
    ];

    public static RegistrationSettings From(ParsedOptions options)
    {
        if (!Uri.TryCreate(options.Required("url"), UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            throw new UsageException("--url must be an absolute http(s) address.");
        }

        var kind = options.Value("kind") switch
        {
            null or "backend" => RegistrationKind.Backend,
            "public" => RegistrationKind.Public,
            var other => throw new UsageException($"--kind must be backend or public, not '{other}'."),
        };
        return new RegistrationSettings(
            url,
            // Public registrations send no admin key (that would make them back-end ones); only back ends need it.
            kind == RegistrationKind.Backend ? AdminKeySource.Required(options) : null,
            kind,
            Int(options, "count", 20_000, 1, 10_000_000),
            Int(options, "connections", 64, 1, 10_000),
            Int(options, "warmup", 2_000, 0, 1_000_000),
            options.Has("server-pid") ? Int(options, "server-pid", 0, 1, int.MaxValue) : null,
            options.Value("json"));
    }

    private static int Int(ParsedOptions options, string name, int fallback, int min, int max)
    {
        var text = options.Value(name);
        if (text is null)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new UsageException($"--{name} must be a whole number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}.");
    }
}
