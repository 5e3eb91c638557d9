using System.Net.Http.Headers;
using System.Net.Http.Json;
using LiveVote.Contracts;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LiveVote.Server.Tests.Infrastructure;

/// <summary>
/// The real server, in process, on real Kestrel bound to a free loopback port, with its own SQLite file in a temp
/// folder. Tests may replace services (e.g. slow the store) through <paramref name="configureServices"/>.
/// </summary>
public sealed class LiveVoteServer : WebApplicationFactory<Program>
{
    public const string AdminKey = "test-admin-key-0123456789";
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _configureServices;

    public LiveVoteServer(Dictionary<string, string?>? settings = null, Action<IServiceCollection>? configureServices = null, string? dataDirectory = null)
    {
        DataDirectory = dataDirectory ?? TempDirectory.Create("livevote-test");
        _settings = new Dictionary<string, string?>
        {
            ["LiveVote:Sqlite:Path"] = Path.Combine(DataDirectory, "livevote.db"),
            ["LiveVote:AdminKey"] = AdminKey,
            ["LiveVote:TokenSigningKey"] = "test-token-signing-key-0123456789abcdef",
            ["LiveVote:VoterKeySecret"] = "test-voter-key-secret-0123456789abcdef",
            ["LiveVote:Demo:Enabled"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? [])
        {
            _settings[key] = value;
        }

        _configureServices = configureServices;
        UseKestrel(0);
        StartServer();
    }

    public string DataDirectory { get; }

    public string DatabasePath => Path.Combine(DataDirectory, "livevote.db");

    public HttpClient Client() => CreateClient();

    public HttpClient AdminClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Admin-Key", AdminKey);
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_configureServices is not null)
        {
            builder.ConfigureServices(_configureServices);
        }
    }
}

/// <summary>The public API, as a client uses it.</summary>
public static class Api
{
    public static async Task<PollDto> CreatePollAsync(HttpClient admin, string title = "Who wins?", params string[] optionIds)
    {
        optionIds = optionIds.Length > 0 ? optionIds : ["a", "b", "c"];
        var response = await admin.PostAsJsonAsync("/v1/polls",
            new CreatePollRequest(title, [.. optionIds.Select(id => new PollOptionDto(id, "Option " + id))]), ContractsJsonContext.Default.CreatePollRequest);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PollDto))!;
    }

    public static async Task<PollDto> CreateOpenPollAsync(HttpClient admin, params string[] optionIds)
    {
        var poll = await CreatePollAsync(admin, "Who wins?", optionIds);
        (await admin.PostAsync($"/v1/polls/{poll.Id}/open", null)).EnsureSuccessStatusCode();
        return poll;
    }

    public static async Task<RegisterViewerResponse> RegisterAsync(HttpClient admin)
    {
        var response = await admin.PostAsJsonAsync("/v1/viewers", new RegisterViewerRequest(null), ContractsJsonContext.Default.RegisterViewerRequest);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.RegisterViewerResponse))!;
    }

    public static Task<HttpResponseMessage> VoteAsync(HttpClient client, string pollId, string token, string optionId)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/polls/{pollId}/votes")
        {
            Content = JsonContent.Create(new CastVoteRequest(optionId), ContractsJsonContext.Default.CastVoteRequest),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client.SendAsync(request);
    }

    public static async Task<ResultsDto> ResultsAsync(HttpClient client, string pollId)
    {
        var response = await client.GetAsync($"/v1/polls/{pollId}/results");
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.ResultsDto))!;
    }

    /// <summary>Polls the results until <paramref name="done"/> holds (results are published every 250 ms).</summary>
    public static async Task<ResultsDto> ResultsWhenAsync(HttpClient client, string pollId, Func<ResultsDto, bool> done, int timeoutMs = 10_000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (true)
        {
            var results = await ResultsAsync(client, pollId);
            if (done(results) || Environment.TickCount64 > deadline)
            {
                return results;
            }

            await Task.Delay(50);
        }
    }

    public static async Task<List<AuditEntryDto>> AuditAsync(HttpClient client, string pollId)
    {
        var entries = new List<AuditEntryDto>();
        long after = 0;
        while (true)
        {
            var page = (await client.GetFromJsonAsync($"/v1/polls/{pollId}/audit?after={after}&limit=1000", ContractsJsonContext.Default.AuditPageDto))!;
            entries.AddRange(page.Entries);
            if (page.Next is not { } next)
            {
                return entries;
            }

            after = next;
        }
    }
}

public static class TempDirectory
{
    public static string Create(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }
}
