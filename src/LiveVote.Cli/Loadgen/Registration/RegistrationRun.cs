using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LiveVote.Contracts;

namespace LiveVote.Cli.Loadgen.Registration;

/// <summary>
/// One registration burst, as at a show's opening minute. Back end: N registrations with the admin key. Public: N
/// challenges fetched (timed: the server makes each), then solved by this process (not timed: the proof of work is the
/// viewer's cost, and challenges live minutes), then N registrations carrying the solutions (timed). Each timed phase
/// follows a warm-up of the same requests and is measured on the server's side too (<see cref="ServerMeter"/>). At the
/// end: every answer was the expected one, each registration got its own viewer id and token, and (public) a solution
/// sent again is refused as a replay.
/// </summary>
internal sealed class RegistrationRun(RegistrationSettings settings, TextWriter progress)
{
    /// <summary>Registrations whose bodies are read and checked; reading every one would cost the shared CPU.</summary>
    private const int CheckedBodies = 2_000;

    /// <summary>Solutions sent a second time at the end, each expected to be refused as a replay.</summary>
    private const int Replays = 100;

    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private static readonly byte[] BackendBody = "{}"u8.ToArray();

    public async Task<RegistrationReport> RunAsync(CancellationToken cancellationToken)
    {
        using var client = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = settings.Connections,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        })
        { BaseAddress = settings.Url, Timeout = TimeSpan.FromMinutes(2) };
        using var metricsClient = new HttpClient { BaseAddress = settings.Url };
        var meter = new ServerMeter(metricsClient, settings.ServerPid);
        var burst = new Burst(client, settings.Connections);
        var phases = new List<RegistrationPhase>();
        var checks = new List<CheckResult>();

        string[] solutions = [];
        if (settings.Kind == RegistrationKind.Public)
        {
            var total = settings.Warmup + settings.Count;
            var challengeBodies = new byte[total][];
            HttpRequestMessage Challenge(int _) => new(HttpMethod.Get, "/v1/captcha/challenge");
            await progress.WriteLineAsync($"Fetching {settings.Warmup:N0} warm-up challenges...").ConfigureAwait(false);
            var warm = await burst.RunAsync(settings.Warmup, Challenge, (i, _, body) => challengeBodies[i] = body, cancellationToken).ConfigureAwait(false);
            var challenges = await TimedAsync("challenge", meter, burst, settings.Count, Challenge,
                (i, _, body) => challengeBodies[settings.Warmup + i] = body, phases, cancellationToken).ConfigureAwait(false);
            checks.Add(Answers("challenge answers", challenges, warm, HttpStatusCode.OK));
            await progress.WriteLineAsync($"Solving {total:N0} challenges (not timed: the viewer's work)...").ConfigureAwait(false);
            solutions = Solve(challengeBodies);
        }

        var bodies = settings.Kind == RegistrationKind.Public
            ? [.. solutions.Select(s => Encoding.UTF8.GetBytes($$"""{"captcha":"{{s}}"}"""))]
            : Array.Empty<byte[]>();
        var checkedBodies = new byte[Math.Min(CheckedBodies, settings.Count)][];
        HttpRequestMessage Register(int i, int offset)
        {
            var message = new HttpRequestMessage(HttpMethod.Post, "/v1/viewers")
            {
                Content = new ByteArrayContent(settings.Kind == RegistrationKind.Public ? bodies[offset + i] : BackendBody) { Headers = { ContentType = Json } },
            };
            if (settings.AdminKey is not null)
            {
                message.Headers.Add("X-Admin-Key", settings.AdminKey);
            }

            return message;
        }

        var phase = settings.Kind == RegistrationKind.Public ? "public" : "backend";
        await progress.WriteLineAsync($"Warm-up: {settings.Warmup:N0} {phase} registrations...").ConfigureAwait(false);
        var warmup = await burst.RunAsync(settings.Warmup, i => Register(i, 0), null, cancellationToken).ConfigureAwait(false);
        var registered = await TimedAsync(phase, meter, burst, settings.Count, i => Register(i, settings.Warmup),
            (i, _, body) =>
            {
                if (i < checkedBodies.Length)
                {
                    checkedBodies[i] = body;
                }
            }, phases, cancellationToken).ConfigureAwait(false);
        checks.Add(Answers($"{phase} registration answers", registered, warmup, HttpStatusCode.Created));
        checks.Add(DistinctViewers(checkedBodies));
        if (settings.Kind == RegistrationKind.Public)
        {
            checks.Add(await ReplaysRefusedAsync(burst, i => Register(i, settings.Warmup), cancellationToken).ConfigureAwait(false));
        }

        return new RegistrationReport(phase, settings.Url.ToString(), phases, checks);
    }

    private async Task<BurstResult> TimedAsync(string phase, ServerMeter meter, Burst burst, int count, Func<int, HttpRequestMessage> request,
        Action<int, int, byte[]> onBody, List<RegistrationPhase> phases, CancellationToken cancellationToken)
    {
        // The bench script starts its perf sampling on this line.
        await progress.WriteLineAsync($"Timed window started: {phase}, {count:N0} requests, {settings.Connections} connections").ConfigureAwait(false);
        var before = await meter.ReadAsync(cancellationToken).ConfigureAwait(false);
        var result = await burst.RunAsync(count, request, onBody, cancellationToken).ConfigureAwait(false);
        var after = await meter.ReadAsync(cancellationToken).ConfigureAwait(false);
        await progress.WriteLineAsync($"Timed window done: {phase}").ConfigureAwait(false);
        phases.Add(new RegistrationPhase(phase, settings.Connections, count, result.Elapsed.TotalSeconds, count / result.Elapsed.TotalSeconds,
            ServerMeter.Reading.PerRequest(before.CpuSeconds, after.CpuSeconds, count, 1e6),
            ServerMeter.Reading.PerRequest(before.AllocatedBytes, after.AllocatedBytes, count, 1),
            result.PercentileMs(50), result.PercentileMs(99), result.Unexpected((int)(phase == "challenge" ? HttpStatusCode.OK : HttpStatusCode.Created))));
        return result;
    }

    private static CheckResult Answers(string name, BurstResult timed, BurstResult warmup, HttpStatusCode expected)
    {
        var others = timed.Statuses.Concat(warmup.Statuses).Where(s => s != (int)expected)
            .GroupBy(s => s).Select(g => $"{g.Count()} x {g.Key}").ToList();
        return new CheckResult(name, others.Count == 0,
            others.Count == 0 ? $"all {timed.Statuses.Length + warmup.Statuses.Length} answered {(int)expected}" : string.Join(", ", others));
    }

    private static CheckResult DistinctViewers(byte[][] bodies)
    {
        var viewers = new HashSet<string>(StringComparer.Ordinal);
        var tokens = new HashSet<string>(StringComparer.Ordinal);
        var unreadable = 0;
        foreach (var body in bodies)
        {
            var viewer = body is null ? null : Read(body);
            if (viewer is null || string.IsNullOrEmpty(viewer.Token) || string.IsNullOrEmpty(viewer.ViewerId))
            {
                unreadable++;
                continue;
            }

            viewers.Add(viewer.ViewerId);
            tokens.Add(viewer.Token);
        }

        var passed = unreadable == 0 && viewers.Count == bodies.Length && tokens.Count == bodies.Length;
        return new CheckResult("distinct viewers", passed,
            $"{viewers.Count} distinct viewer ids and {tokens.Count} distinct tokens in the first {bodies.Length} registrations, {unreadable} unreadable");
    }

    private static RegisterViewerResponse? Read(byte[] body)
    {
        try
        {
            return JsonSerializer.Deserialize(body, ContractsJsonContext.Default.RegisterViewerResponse);
        }
        catch (JsonException)
        {
            return null; // Counted as unreadable.
        }
    }

    /// <summary>The single-use rule under load: the first solutions, each already registered once, sent again.</summary>
    private static async Task<CheckResult> ReplaysRefusedAsync(Burst burst, Func<int, HttpRequestMessage> register, CancellationToken cancellationToken)
    {
        var refused = 0;
        var replays = await burst.RunAsync(Replays, register, (_, status, body) =>
        {
            if (status == (int)HttpStatusCode.Forbidden && Encoding.UTF8.GetString(body).Contains($"\"{ErrorCodes.CaptchaReplayed}\"", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref refused);
            }
        }, cancellationToken).ConfigureAwait(false);
        return new CheckResult("replays refused", refused == replays.Statuses.Length,
            $"{refused} of {replays.Statuses.Length} used solutions sent again answered 403 {ErrorCodes.CaptchaReplayed}");
    }

    private static string[] Solve(byte[][] challengeBodies)
    {
        var solutions = new string[challengeBodies.Length];
        Parallel.For(0, challengeBodies.Length, i =>
        {
            var challenge = JsonSerializer.Deserialize(challengeBodies[i], ContractsJsonContext.Default.CaptchaChallengeDto)
                            ?? throw new InvalidOperationException("The server answered a challenge request with no challenge.");
            solutions[i] = AltchaSolver.Solve(challenge);
        });
        return solutions;
    }
}
