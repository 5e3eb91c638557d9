using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using LiveVote.Server.Tests.Security.Evidence;
using Xunit.Abstractions;

namespace LiveVote.Server.Tests.Security.Risk;

/// <summary>
/// A scripted flood against a steady stream of real viewers, at the same time, on one server. The server's levels are
/// those of a small show (a network casting 50 votes a minute is normal, 200 is a lot); weights and thresholds are
/// the defaults. Clients connect from different loopback addresses, so each network is real to the server.
/// <list type="bullet">
/// <item>Bots: 300 fresh accounts, all from one /24 (ten hosts), one user agent, all for option "a", as fast as 24
/// connections go.</item>
/// <item>Viewers: 160 fresh accounts from 40 networks (four each), a handful of phone user agents and languages, options
/// drawn from a realistic spread (a favourite at 40%), each network voting one after another.</item>
/// </list>
/// </summary>
public sealed class BotBurstTests(ITestOutputHelper output)
{
    private const int BotCount = 300;
    private const int ViewerNetworks = 40;
    private const int ViewersPerNetwork = 4;
    private static readonly string[] Options = ["a", "b", "c", "d"];

    private static readonly string[] UserAgents =
    [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Mobile Safari/537.36",
        "LiveVoteApp/3.2 (iOS 17.4)",
        "LiveVoteApp/3.2 (Android 14)",
    ];

    private static readonly string[] Languages = ["pt-BR,pt;q=0.9", "en-US,en;q=0.8", "es-ES,es;q=0.9", "pt-PT"];

    [Fact]
    public async Task BotFlood_FromOneNetwork_IsThrottledAndFlagged_WhileViewersFromManyNetworksPassUntouched()
    {
        await using var server = new LiveVoteServer(new()
        {
            ["LiveVote:Risk:IpVotes:Normal"] = "20",
            ["LiveVote:Risk:IpVotes:Saturated"] = "100",
            ["LiveVote:Risk:NetworkVotes:Normal"] = "50",
            ["LiveVote:Risk:NetworkVotes:Saturated"] = "200",
            ["LiveVote:Risk:DeviceBurst:Normal"] = "10",
            ["LiveVote:Risk:DeviceBurst:Saturated"] = "60",
            ["LiveVote:Risk:OptionBurst:MinVotes"] = "20",
            ["LiveVote:RateLimits:VotePerNetwork:TokenLimit"] = "250",
            ["LiveVote:RateLimits:VotePerNetwork:TokensPerPeriod"] = "10",
            ["LiveVote:RateLimits:VotePerNetwork:Period"] = "00:00:01",
            ["LiveVote:Captcha:MaxNumber"] = "50",
        });
        using var admin = server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin, Options);
        var bots = await Api.RegisterManyAsync(admin, BotCount);
        var viewers = await Api.RegisterManyAsync(admin, ViewerNetworks * ViewersPerNetwork);
        var botClients = Enumerable.Range(1, 10).Select(host => LoopbackClients.From(server, LoopbackClients.Address(200, host))).ToArray();

        var flood = FloodAsync(poll.Id, bots, botClients);
        var stream = SteadyStreamAsync(server, poll.Id, viewers);
        await Task.WhenAll(flood, stream);
        var botAnswers = await flood;
        var viewerAnswers = await stream;

        var botAccepted = botAnswers.Count(s => s == HttpStatusCode.Created);
        var viewerAccepted = viewerAnswers.Count(s => s == HttpStatusCode.Created);
        output.WriteLine($"bots:    {botAccepted}/{BotCount} accepted ({100.0 * botAccepted / BotCount:F1}%); " + Histogram(botAnswers));
        output.WriteLine($"viewers: {viewerAccepted}/{viewerAnswers.Count} accepted ({100.0 * viewerAccepted / viewerAnswers.Count:F1}%); " + Histogram(viewerAnswers));

        // Viewers: every vote accepted at once, no challenge, no refusal.
        Assert.All(viewerAnswers, s => Assert.Equal(HttpStatusCode.Created, s));

        // Bots: challenged, refused and throttled; only the first few, before the pattern shows, get through.
        Assert.True(botAccepted <= BotCount / 10, $"{botAccepted} bot votes accepted");
        Assert.Contains(HttpStatusCode.PreconditionRequired, botAnswers);
        Assert.Contains(HttpStatusCode.Forbidden, botAnswers);
        Assert.Contains(HttpStatusCode.TooManyRequests, botAnswers);
        Assert.All(botAnswers, s => Assert.Contains(s, new[]
        {
            HttpStatusCode.Created, HttpStatusCode.PreconditionRequired, HttpStatusCode.Forbidden, HttpStatusCode.TooManyRequests,
        }));

        // The totals hold exactly the accepted votes: the flood moved "a" by its few accepted votes only.
        var results = await Api.ResultsWhenAsync(server.Client(), poll.Id, r => r.Total == botAccepted + viewerAccepted);
        Assert.Equal(botAccepted + viewerAccepted, results.Total);

        // Flagged in the public audit trail: the bots' decisions (their network in the evidence store), none for a viewer. Every note was
        // queued before the close below, and the writer takes its queue in order.
        (await Api.ClosePollAsync(admin, poll.Id)).EnsureSuccessStatusCode();
        var entries = await Api.AuditAsync(server.Client(), poll.Id);
        IndependentAudit.AssertPollEntriesVerify(entries);
        var notes = entries.Where(e => e.Kind == "risk-decision").Select(e => (e.VoterKey, Data: JsonDocument.Parse(e.Data!).RootElement)).ToList();
        var keys = TestVoterKeys.FromSqlite(server.DatabasePath, poll.Id);
        var botKeys = bots.Select(b => keys.Hex(b.ViewerId)).ToHashSet();
        var viewerKeys = viewers.Select(v => keys.Hex(v.ViewerId)).ToHashSet();
        Assert.Equal(botAnswers.Count(s => s is HttpStatusCode.PreconditionRequired or HttpStatusCode.Forbidden), notes.Count);
        Assert.All(notes, n => Assert.True(botKeys.Contains(n.VoterKey!), $"note for {n.VoterKey}, not a bot"));
        Assert.DoesNotContain(notes, n => viewerKeys.Contains(n.VoterKey!));
        Assert.All(notes, n => Assert.False(n.Data.TryGetProperty("network", out _), "a public entry names a network"));
        var evidence = await EvidenceApi.OfPollAsync(admin, poll.Id, notes.Count);
        Assert.Equal(notes.Select(n => n.Data.GetProperty("evidence").GetString()).Order(), evidence.Select(e => e.Ref).Order());
        Assert.All(evidence, e => Assert.Equal("127.200.0.0/24", e.Network));
        Assert.Contains(notes, n => n.Data.GetProperty("action").GetString() == "captcha-required");
        Assert.Contains(notes, n => n.Data.GetProperty("action").GetString() == "suspected-bot");
        Assert.All(notes, n => Assert.True(n.Data.GetProperty("score").GetInt32() >= 50));
        output.WriteLine("main reasons: " + string.Join(", ", notes.GroupBy(n => n.Data.GetProperty("reason").GetString()).Select(g => $"{g.Key} {g.Count()}")));

        foreach (var client in botClients)
        {
            client.Dispose();
        }
    }

    /// <summary>Every bot votes "a" once, 24 at a time, round-robin over the ten hosts of the bot network.</summary>
    private static async Task<List<HttpStatusCode>> FloodAsync(string pollId, RegisterViewerResponse[] bots, HttpClient[] clients)
    {
        var answers = new ConcurrentBag<HttpStatusCode>();
        await Parallel.ForEachAsync(Enumerable.Range(0, bots.Length), new ParallelOptions { MaxDegreeOfParallelism = 24 }, async (i, _) =>
        {
            using var response = await SendVoteAsync(clients[i % clients.Length], pollId, bots[i].Token, "a", "python-requests/2.31.0", null);
            answers.Add(response.StatusCode);
        });
        return [.. answers];
    }

    /// <summary>Each network's viewers vote one after another (with a short pause), all networks side by side.</summary>
    private static async Task<List<HttpStatusCode>> SteadyStreamAsync(LiveVoteServer server, string pollId, RegisterViewerResponse[] viewers)
    {
        var random = new Random(20260101);
        var plan = viewers.Select((viewer, i) => (
            Viewer: viewer,
            Network: 20 + (i / ViewersPerNetwork),
            Host: 1 + (i % ViewersPerNetwork),
            Option: PickOption(random),
            UserAgent: UserAgents[random.Next(UserAgents.Length)],
            Language: Languages[random.Next(Languages.Length)],
            PauseMs: 20 + random.Next(60))).ToList();
        var answers = new ConcurrentBag<HttpStatusCode>();
        await Task.WhenAll(plan.GroupBy(p => p.Network).Select(async network =>
        {
            foreach (var vote in network)
            {
                using var client = LoopbackClients.From(server, LoopbackClients.Address(vote.Network, vote.Host));
                await Task.Delay(vote.PauseMs);
                using var response = await SendVoteAsync(client, pollId, vote.Viewer.Token, vote.Option, vote.UserAgent, vote.Language);
                answers.Add(response.StatusCode);
            }
        }));
        return [.. answers];
    }

    /// <summary>A favourite at 40%, then 30%, 20%, 10%.</summary>
    private static string PickOption(Random random) => random.Next(100) switch
    {
        < 40 => "a",
        < 70 => "b",
        < 90 => "c",
        _ => "d",
    };

    private static Task<HttpResponseMessage> SendVoteAsync(HttpClient client, string pollId, string token, string optionId, string userAgent, string? language)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/polls/{pollId}/votes")
        {
            Content = JsonContent.Create(new CastVoteRequest(optionId), ContractsJsonContext.Default.CastVoteRequest),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        if (language is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept-Language", language);
        }

        return client.SendAsync(request);
    }

    private static string Histogram(IEnumerable<HttpStatusCode> answers) =>
        string.Join(", ", answers.GroupBy(s => (int)s).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}"));
}
