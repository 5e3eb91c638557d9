using System.Net.Http.Json;
using LiveVote.Contracts;

namespace LiveVote.Cli.Loadgen;

/// <summary>
/// Before the clock starts: a poll with K options, opened, and V viewers registered as a trusted back end would
/// (X-Admin-Key, so no CAPTCHA per viewer), in parallel.
/// </summary>
internal static class LoadSetup
{
    private const int Parallelism = 32;

    public static async Task<string> CreateOpenPollAsync(HttpClient admin, int options, CancellationToken cancellationToken)
    {
        var request = new CreatePollRequest(
            "Load test",
            [.. Enumerable.Range(0, options).Select(o => new PollOptionDto(VoteSender.OptionId(o), $"Option {o + 1}"))]);
        using var created = await admin.PostAsJsonAsync("/v1/polls", request, ContractsJsonContext.Default.CreatePollRequest, cancellationToken).ConfigureAwait(false);
        await EnsureAsync(created, "create the poll", cancellationToken).ConfigureAwait(false);
        var poll = await created.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PollDto, cancellationToken).ConfigureAwait(false)
                   ?? throw new LoadSetupException("The server answered the poll creation with no poll.");
        using var opened = await admin.PostAsync(new Uri($"/v1/polls/{poll.Id}/open", UriKind.Relative), null, cancellationToken).ConfigureAwait(false);
        await EnsureAsync(opened, "open the poll", cancellationToken).ConfigureAwait(false);
        return poll.Id;
    }

    public static async Task<string[]> RegisterViewersAsync(HttpClient admin, int count, CancellationToken cancellationToken)
    {
        var tokens = new string[count];
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Parallelism).Select(async _ =>
        {
            await Task.Yield();
            for (var i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
            {
                tokens[i] = await RegisterAsync(admin, cancellationToken).ConfigureAwait(false);
            }
        })).ConfigureAwait(false);
        return tokens;
    }

    private static async Task<string> RegisterAsync(HttpClient admin, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var response = await admin.PostAsJsonAsync("/v1/viewers", new RegisterViewerRequest(null), ContractsJsonContext.Default.RegisterViewerRequest, cancellationToken)
                .ConfigureAwait(false);
            if ((int)response.StatusCode is 503 or 429 && attempt < 10)
            {
                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                continue;
            }

            await EnsureAsync(response, "register a viewer", cancellationToken).ConfigureAwait(false);
            var viewer = await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.RegisterViewerResponse, cancellationToken).ConfigureAwait(false);
            return viewer?.Token ?? throw new LoadSetupException("The server answered a registration with no token.");
        }
    }

    private static async Task EnsureAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new LoadSetupException($"Could not {what}: {(int)response.StatusCode} {body}");
        }
    }
}

/// <summary>The run could not be prepared (wrong admin key, server down): reported, exit code 1.</summary>
internal sealed class LoadSetupException(string message) : Exception(message);
