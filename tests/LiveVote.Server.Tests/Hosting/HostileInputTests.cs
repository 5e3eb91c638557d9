using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace LiveVote.Server.Tests.Hosting;

/// <summary>
/// Tens of thousands of generated hostile requests (<see cref="HostileRequests"/>) at a real Kestrel on loopback, in
/// the production environment: any method at every mapped route and static file, path tricks and query strings,
/// headers of every family (content types and charsets, content and transfer encodings, authorization schemes and
/// sizes, accept, range, oversized and repeated headers) and hostile bodies; about half as raw bytes on a socket where
/// framing matters. A fresh seed each run, printed (and in every failure message); set LIVEVOTE_HOSTILE_SEED to replay.
/// Outcome: no 5xx (Kestrel's 505 to a request line claiming HTTP/2.0 or HTTP/9.9 aside), no internal detail in any
/// answer, every error the application answers is problem+json with a code, the server still answers, polls, votes,
/// results and the audit trail are exactly as before, and the log grew only by the capped wrong-admin-key lines.
/// </summary>
public sealed class HostileInputTests(ITestOutputHelper output)
{
    private const int RequestCount = 24_000;
    private const string SeedVariable = "LIVEVOTE_HOSTILE_SEED";

    [Fact]
    public async Task TensOfThousandsOfGeneratedHostileRequests_NoServerError_NoStateChange_BoundedLog()
    {
        var seed = Environment.GetEnvironmentVariable(SeedVariable) is { Length: > 0 } fixedSeed
            ? int.Parse(fixedSeed, CultureInfo.InvariantCulture)
            : Random.Shared.Next();
        output.WriteLine($"seed {seed} (replay: {SeedVariable}={seed})");
        var logs = new CapturedLogs();
        await using var server = new LiveVoteServer(new()
        {
            ["environment"] = Environments.Production,
            ["Logging:LogLevel:Default"] = "Information",

            // A generous lockout, so wrong admin keys reach the endpoints instead of the 429s (and write no lockout
            // entries: Security/Admin tests those); a generous per-viewer bucket for the same reason.
            ["LiveVote:RateLimits:AdminFailuresBeforeLockout"] = "1000000",
            ["LiveVote:RateLimits:VotePerViewer:TokenLimit"] = "100000",
            ["LiveVote:RateLimits:VotePerViewer:TokensPerPeriod"] = "100000",

            // Forwarded headers and CORS are parsed too.
            ["LiveVote:Http:TrustedProxies:0"] = "127.0.0.0/8",
            ["LiveVote:Cors:AllowedOrigins:0"] = "https://studio.example.tv",
        }, services => services.AddSingleton<ILoggerProvider>(logs));
        Assert.Equal(Environments.Production, server.Services.GetRequiredService<IWebHostEnvironment>().EnvironmentName);

        var targets = await PopulateAsync(server);
        var before = await StoredState.CaptureAsync(server);
        var logLinesBefore = logs.Lines.Count;
        var generator = new HostileRequests(new Random(seed), targets);
        using var wire = new HostileWire(server.Client().BaseAddress!);

        var failures = new ConcurrentQueue<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, RequestCount).Select(generator.Next), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (request, _) =>
        {
            var answer = await wire.SendAsync(request);
            statuses.AddOrUpdate(answer.Status, 1, (_, n) => n + 1);
            if (Failure(request, answer) is { } failure)
            {
                failures.Enqueue($"{failure}: {request} -> {answer.Status}: {Truncate(answer.Text)}");
            }
        });
        var elapsed = clock.Elapsed;

        var classes = statuses.GroupBy(s => s.Key == 0 ? "no answer" : $"{s.Key / 100}xx").OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key}: {g.Sum(s => s.Value)}");
        output.WriteLine($"{RequestCount} requests in {elapsed.TotalSeconds:F0} s; by class: {string.Join(", ", classes)}");
        output.WriteLine("by status: " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{(s.Key == 0 ? "none" : s.Key)}: {s.Value}")));
        Assert.True(failures.IsEmpty, $"seed {seed}: {failures.Count} bad answers ({string.Join(", ", failures.CountBy(f => f[..f.IndexOf(':', StringComparison.Ordinal)]).Select(c => $"{c.Value} {c.Key}"))}), first ones:\n" +
            string.Join('\n', failures.DistinctBy(f => f[..f.IndexOf(':', StringComparison.Ordinal)]).Concat(failures).Distinct().Take(20)));
        Assert.True(statuses.Where(s => s.Key is >= 400 and < 500).Sum(s => s.Value) > RequestCount / 2, $"seed {seed}: most hostile requests must be refused");

        Assert.Equal(HttpStatusCode.OK, (await server.Client().GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client().GetAsync("/readyz")).StatusCode);
        Assert.Equal(before, await StoredState.CaptureAsync(server));

        // Unauthenticated input adds to the log only the wrong-admin-key lines, at most AdminRefusalLogLinesPerMinute
        // (10) in any minute.
        var grown = logs.Lines.Skip(logLinesBefore).ToList();
        foreach (var line in grown.CountBy(l => $"{l.Level} {l.Category}"))
        {
            output.WriteLine($"log lines written meanwhile: {line.Value} x {line.Key}");
        }

        var adminLines = grown.Count(l => l.Category == "LiveVote.Server.Admin");
        Assert.True(adminLines <= 10 * ((int)Math.Ceiling(clock.Elapsed.TotalMinutes) + 1), $"seed {seed}: {adminLines} admin log lines");
        var others = grown.Where(l => l.Category != "LiveVote.Server.Admin").ToList();
        Assert.True(others.Count == 0, $"seed {seed}: hostile input wrote {others.Count} log lines, e.g.\n" +
            string.Join('\n', others.Take(10).Select(l => $"{l.Level} {l.Category}: {Truncate(l.Message)} {l.Exception}")));
    }

    /// <summary>Why the answer is wrong, or null.</summary>
    private static string? Failure(HostileRequest request, HostileWire.Answer answer)
    {
        if (answer.Status >= 500 && !(answer.Status == 505 && request.MayBeRefusedForItsVersion))
        {
            return "server error";
        }

        // (The Prometheus scrape names exception types in its labels by design: it is for the monitoring network.)
        if (!request.Target.StartsWith("/metrics", StringComparison.Ordinal) &&
            (answer.Text.Contains("Exception", StringComparison.Ordinal) || answer.Text.Contains("   at ", StringComparison.Ordinal)))
        {
            return "internal detail";
        }

        // Errors the application answered (not Kestrel's own, before any application code) are problem+json with a code.
        var hasBody = request.Method != "HEAD" && answer.Status != 0;
        if (answer.FromApplication && answer.Status >= 400 && hasBody &&
            (answer.ContentType?.StartsWith("application/problem+json", StringComparison.Ordinal) != true || !answer.Text.Contains("\"code\":", StringComparison.Ordinal)))
        {
            return "error without problem+json and code";
        }

        return null;
    }

    private static async Task<HostileTargets> PopulateAsync(LiveVoteServer server)
    {
        using var admin = server.AdminClient();
        var open = await Api.CreateOpenPollAsync(admin, "a", "b", "c");
        var draft = await Api.CreatePollAsync(admin, "Still secret", "x", "y");
        var closed = await Api.CreateOpenPollAsync(admin, "x", "y");
        var voters = await Api.RegisterManyAsync(admin, 2);
        (await Api.VoteAsync(admin, open.Id, voters[0].Token, "b")).EnsureSuccessStatusCode();
        (await Api.VoteAsync(admin, closed.Id, voters[1].Token, "y")).EnsureSuccessStatusCode();
        (await Api.ClosePollAsync(admin, closed.Id)).EnsureSuccessStatusCode();

        // Every route the server maps and every file it serves, in a fixed order so a seed always means the same requests.
        var routes = server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET", "POST"]).Select(m => (Method: m, Pattern: e.RoutePattern.RawText!)))
            .Distinct().OrderBy(r => r.Pattern, StringComparer.Ordinal).ThenBy(r => r.Method, StringComparer.Ordinal).ToList();
        var files = Files(server.Services.GetRequiredService<IWebHostEnvironment>().WebRootFileProvider, "").Order(StringComparer.Ordinal).ToList();
        Assert.True(routes.Count >= 15 && files.Count >= 5, $"{routes.Count} routes, {files.Count} files");
        return new HostileTargets(open.Id, draft.Id, closed.Id, routes, files);
    }

    private static IEnumerable<string> Files(IFileProvider provider, string folder) =>
        provider.GetDirectoryContents(folder).SelectMany(f => f.IsDirectory ? Files(provider, folder + "/" + f.Name) : [folder + "/" + f.Name]);

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "...";
}
