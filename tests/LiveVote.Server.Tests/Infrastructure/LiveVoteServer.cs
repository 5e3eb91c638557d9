using System.Net;
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
    public const string TokenSigningKey = "test-token-signing-key-0123456789abcdef";
    public const string VoterKeySecret = "test-voter-key-secret-0123456789abcdef";

    // Configured like the other secrets: a PostgreSQL node refuses to start without it, and nodes of one fleet share it.
    public const string CaptchaHmacKey = "test-captcha-hmac-key-0123456789abcdef";

    /// <summary>The Ed25519 seed (bytes 1..32, base64) every test node signs checkpoints and results with.</summary>
    public const string AuditSigningKey = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _configureServices;

    // A folder the caller passed in is the caller's (a restart test reuses it); one made here is removed on dispose.
    private readonly bool _ownsDataDirectory;

    public LiveVoteServer(Dictionary<string, string?>? settings = null, Action<IServiceCollection>? configureServices = null, string? dataDirectory = null)
    {
        _ownsDataDirectory = dataDirectory is null;
        DataDirectory = dataDirectory ?? TempDirectory.Create("livevote-test");
        _settings = new Dictionary<string, string?>
        {
            ["LiveVote:DataDirectory"] = DataDirectory,
            ["LiveVote:AdminKey"] = AdminKey,
            ["LiveVote:TokenSigningKey"] = TokenSigningKey,
            ["LiveVote:VoterKeySecret"] = VoterKeySecret,
            ["LiveVote:CaptchaHmacKey"] = CaptchaHmacKey,
            ["LiveVote:Audit:SigningKey"] = AuditSigningKey,
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

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_ownsDataDirectory)
        {
            TempDirectory.Delete(DataDirectory);
        }
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

    public static async Task<PollListDto> PollsAsync(HttpClient client) =>
        (await client.GetFromJsonAsync("/v1/polls", ContractsJsonContext.Default.PollListDto))!;

    public static async Task<PollDto> PollAsync(HttpClient client, string pollId) =>
        (await client.GetFromJsonAsync($"/v1/polls/{pollId}", ContractsJsonContext.Default.PollDto))!;

    public static Task<HttpResponseMessage> OpenPollAsync(HttpClient admin, string pollId) => admin.PostAsync($"/v1/polls/{pollId}/open", null);

    public static Task<HttpResponseMessage> ClosePollAsync(HttpClient admin, string pollId) => admin.PostAsync($"/v1/polls/{pollId}/close", null);

    public static async Task<RegisterViewerResponse[]> RegisterManyAsync(HttpClient admin, int count) =>
        await Task.WhenAll(Enumerable.Range(0, count).Select(_ => RegisterAsync(admin)));

    public static async Task<VoteResponse> ReadVoteAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.VoteResponse))!;

    /// <summary>A request with a body exactly as given (for malformed or mistyped input); the token is optional.</summary>
    public static Task<HttpResponseMessage> SendRawAsync(
        HttpClient client, HttpMethod method, string path, string? body, string? contentType = "application/json", string? token = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8);
            request.Content.Headers.ContentType = contentType is null ? null : new MediaTypeHeaderValue(contentType);
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client.SendAsync(request);
    }

    /// <summary>
    /// Sends the same vote until it gets a final answer: 503 (overloaded, store unavailable) and lost connections are
    /// retried with jittered exponential backoff, as a well-behaved client does. Returns the final answer.
    /// </summary>
    public static async Task<HttpResponseMessage> VoteWithRetryAsync(HttpClient client, string pollId, string token, string optionId, int timeoutMs = 60_000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        var backoffMs = 20;
        while (true)
        {
            try
            {
                var response = await VoteAsync(client, pollId, token, optionId);
                if (response.StatusCode != System.Net.HttpStatusCode.ServiceUnavailable || Environment.TickCount64 > deadline)
                {
                    return response;
                }
            }
            catch (HttpRequestException) when (Environment.TickCount64 <= deadline)
            {
                // The answer was lost: the vote may or may not be stored, and sending it again is safe.
            }

            await Task.Delay(backoffMs + Random.Shared.Next(backoffMs));
            backoffMs = Math.Min(backoffMs * 2, 400);
        }
    }

    public static async Task<ResultsDto> ResultsAsync(HttpClient client, string pollId)
    {
        var response = await client.GetAsync($"/v1/polls/{pollId}/results");
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.ResultsDto))!;
    }

    /// <summary>
    /// Polls the results until <paramref name="done"/> holds (results are published every 250 ms; a poll's first snapshot
    /// may not be published yet, so a refusal counts as "not yet"). At the deadline returns the last results it read.
    /// </summary>
    public static async Task<ResultsDto> ResultsWhenAsync(HttpClient client, string pollId, Func<ResultsDto, bool> done, int timeoutMs = 10_000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (true)
        {
            using var response = await client.GetAsync($"/v1/polls/{pollId}/results");
            var results = response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.ResultsDto) : null;
            if ((results is not null && done(results)) || Environment.TickCount64 > deadline)
            {
                return results ?? throw new InvalidOperationException(
                    $"GET results of {pollId} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>
    /// The status of GET <paramref name="path"/> once it is <paramref name="expected"/>, or the last one after
    /// <paramref name="timeoutMs"/>: for what another node learns at its next shared-state refresh, not at once.
    /// </summary>
    public static async Task<HttpStatusCode> StatusWhenAsync(HttpClient client, string path, HttpStatusCode expected, int timeoutMs = 10_000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (true)
        {
            using var response = await client.GetAsync(path);
            if (response.StatusCode == expected || Environment.TickCount64 > deadline)
            {
                return response.StatusCode;
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

    /// <summary>Best effort: a leftover temp folder must not fail a test that passed.</summary>
    public static void Delete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
