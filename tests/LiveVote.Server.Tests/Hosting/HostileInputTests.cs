using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using LiveVote.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace LiveVote.Server.Tests.Hosting;

/// <summary>
/// Thousands of generated malformed requests at every endpoint: random and deeply nested JSON, huge strings, invalid
/// UTF-8, odd content types and methods, path tricks, long and invalid headers, broken HTTP framing. Half go through
/// HttpClient, half as raw bytes on a socket (HttpClient would normalise the worst of them away). The seed is fixed,
/// so a failure reproduces; the failing request is named in the message.
/// Outcome: no 5xx, no internal detail in any answer, the server still answers /healthz, and polls, votes, results and
/// the audit trail are exactly as before.
/// </summary>
public sealed class HostileInputTests(ITestOutputHelper output)
{
    private const int Seed = 3_141_592;
    private const int RequestCount = 3_000;

    [Fact]
    public async Task ThousandsOfMalformedRequests_NoServerError_NoCrash_NoStateChange()
    {
        // Generous limits and lockout, so that the requests reach the parsers and endpoints instead of the 429s.
        await using var server = new LiveVoteServer(new()
        {
            ["LiveVote:RateLimits:AdminFailuresBeforeLockout"] = "1000000",
            ["LiveVote:RateLimits:VotePerViewer:TokenLimit"] = "100000",
            ["LiveVote:RateLimits:VotePerViewer:TokensPerPeriod"] = "100000",
        });
        var state = await PopulateAsync(server);
        var before = await StoredState.CaptureAsync(server);
        var generator = new HostileRequests(new Random(Seed), state);
        var requests = Enumerable.Range(0, RequestCount).Select(i => generator.Next(i)).ToList();
        using var client = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, MaxConnectionsPerServer = 16 })
        {
            BaseAddress = server.Client().BaseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };

        var failures = new ConcurrentQueue<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (request, _) =>
        {
            var (status, body) = request.Raw is { } raw
                ? await SendRawAsync(client.BaseAddress!, raw)
                : await SendAsync(client, request);
            statuses.AddOrUpdate(status, 1, (_, n) => n + 1);

            // Kestrel's 505 to a request line claiming HTTP/2.0 or HTTP/9.9 is the protocol's own answer, before any
            // application code: the one 5xx that is correct.
            var versionRefused = status == 505 && request.Raw is not null && !request.Description.Contains(" HTTP/1.", StringComparison.Ordinal);
            if ((status >= 500 && !versionRefused) || body.Contains("Exception", StringComparison.Ordinal) || body.Contains("   at ", StringComparison.Ordinal))
            {
                failures.Enqueue($"#{request.Index} {request.Description} -> {status}: {Truncate(body)}");
            }
        });

        output.WriteLine($"{RequestCount} requests, answers: " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{(s.Key == 0 ? "closed" : s.Key)}: {s.Value}")));
        Assert.True(failures.IsEmpty, string.Join('\n', failures.Take(20)));
        Assert.Equal(HttpStatusCode.OK, (await server.Client().GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client().GetAsync("/readyz")).StatusCode);
        Assert.Equal(before, await StoredState.CaptureAsync(server));
    }

    private static async Task<HostileState> PopulateAsync(LiveVoteServer server)
    {
        using var admin = server.AdminClient();
        var open = await Api.CreateOpenPollAsync(admin, "a", "b", "c");
        var draft = await Api.CreatePollAsync(admin, "Still secret", "x", "y");
        var closed = await Api.CreateOpenPollAsync(admin, "x", "y");
        var voters = await Api.RegisterManyAsync(admin, 2);
        (await Api.VoteAsync(admin, open.Id, voters[0].Token, "b")).EnsureSuccessStatusCode();
        (await Api.VoteAsync(admin, closed.Id, voters[1].Token, "y")).EnsureSuccessStatusCode();
        (await Api.ClosePollAsync(admin, closed.Id)).EnsureSuccessStatusCode();
        return new HostileState(open.Id, draft.Id, closed.Id);
    }

    private static async Task<(int Status, string Body)> SendAsync(HttpClient client, HostileRequest request)
    {
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), request.Target);
        if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(request.Body);
            if (request.ContentType is not null)
            {
                message.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
            }
        }

        foreach (var (name, value) in request.Headers)
        {
            if (!message.Headers.TryAddWithoutValidation(name, value))
            {
                message.Content?.Headers.TryAddWithoutValidation(name, value);
            }
        }

        try
        {
            using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead);
            var isStream = response.Content.Headers.ContentType?.MediaType == "text/event-stream";
            return ((int)response.StatusCode, isStream ? "" : await ReadCappedAsync(await response.Content.ReadAsStreamAsync()));
        }
        catch (HttpRequestException)
        {
            // The server closed the connection on a request it could not parse: no answer, no harm.
            return (0, "");
        }
    }

    /// <summary>Writes the bytes as they are and reads the answer's status line and (capped) rest.</summary>
    private static async Task<(int Status, string Body)> SendRawAsync(Uri server, byte[] request)
    {
        using var tcp = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await tcp.ConnectAsync(server.Host, server.Port, timeout.Token);
        var stream = tcp.GetStream();
        try
        {
            // No half-close after writing: Kestrel takes a client's FIN for a disconnect and would not answer.
            await stream.WriteAsync(request, timeout.Token);
        }
        catch (IOException)
        {
            // The server may refuse and close before everything was written; its answer is read below.
        }

        var answer = await ReadCappedAsync(stream, timeout.Token);
        if (!answer.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) || answer.Length < 12 ||
            !int.TryParse(answer.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture, out var status))
        {
            return (0, answer);
        }

        // An event stream never ends: its headers are all that matters.
        return (status, answer);
    }

    /// <summary>Reads until the server closes (every raw request says Connection: close), 64 KiB or 5 s, whichever is first.</summary>
    private static async Task<string> ReadCappedAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        var buffer = new byte[64 * 1024];
        var total = 0;
        try
        {
            using var cap = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cap.CancelAfter(TimeSpan.FromSeconds(5));
            int read;
            while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cap.Token)) > 0)
            {
                total += read;
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or HttpRequestException)
        {
            // A reset after the answer, or an endless stream: what was read is the answer.
        }

        return Encoding.UTF8.GetString(buffer, 0, total);
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "...";
}

internal sealed record HostileState(string OpenPoll, string DraftPoll, string ClosedPoll);

/// <summary>One generated request: either structured (sent with HttpClient) or raw bytes (sent on a socket).</summary>
internal sealed record HostileRequest(
    int Index, string Description, string Method, string Target, byte[]? Body, string? ContentType, List<(string Name, string Value)> Headers, byte[]? Raw);
