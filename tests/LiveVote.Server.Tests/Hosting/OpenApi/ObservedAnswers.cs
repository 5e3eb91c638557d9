using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;

namespace LiveVote.Server.Tests.Hosting.OpenApi;

/// <summary>
/// Sends the requests of a scenario table and notes, for each route (method and route template, as the OpenAPI
/// document names it), every status code the server really answered, and every problem <c>code</c> it sent.
/// </summary>
public sealed class ObservedAnswers
{
    private readonly ConcurrentDictionary<(string Method, string Route), ConcurrentDictionary<int, byte>> _statuses = new();
    private readonly ConcurrentDictionary<string, byte> _codes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _busyWithoutRetryAfter = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<(string Method, string Route), IReadOnlySet<int>> Statuses =>
        _statuses.ToDictionary(p => p.Key, p => (IReadOnlySet<int>)p.Value.Keys.ToHashSet());

    public IReadOnlySet<string> Codes => _codes.Keys.ToHashSet(StringComparer.Ordinal);

    /// <summary>Every 429 and 503 answered without <c>Retry-After</c> ("method route status"): a client must know when to try again.</summary>
    public IReadOnlyCollection<string> BusyWithoutRetryAfter => _busyWithoutRetryAfter.Keys.ToList();

    /// <summary>
    /// Sends <paramref name="method"/> to <paramref name="route"/> (its <c>{pollId}</c> replaced), asserts the answer is
    /// <paramref name="expected"/> (so a scenario that stops provoking what it was written for fails loudly), notes it.
    /// </summary>
    public async Task<HttpResponseMessage> ExpectAsync(
        int expected,
        HttpClient client,
        string method,
        string route,
        string? pollId = null, // also the join code of a {code} route
        string query = "",
        HttpContent? content = null,
        Action<HttpRequestHeaders>? headers = null,
        bool streamed = false)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), route.Replace("{pollId}", pollId ?? "no-such-poll", StringComparison.Ordinal)
            .Replace("{code}", pollId ?? "NOSUCH", StringComparison.Ordinal) + query)
        {
            Content = content,
        };
        headers?.Invoke(request.Headers);
        var response = await client.SendAsync(request, streamed ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead);
        var body = streamed ? "" : await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == expected, $"{method} {route}{query}: expected {expected}, got {(int)response.StatusCode}: {body}");
        _statuses.GetOrAdd((method, route), _ => new()).TryAdd(expected, 0);
        if (expected is 429 or 503 && response.Headers.RetryAfter is null)
        {
            _busyWithoutRetryAfter.TryAdd($"{method} {route} {expected}", 0);
        }
        if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
        {
            using var problem = JsonDocument.Parse(body);
            _codes.TryAdd(problem.RootElement.GetProperty("code").GetString()!, 0);
        }

        return response;
    }
}
