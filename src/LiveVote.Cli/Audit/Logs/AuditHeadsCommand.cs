using System.Net;
using System.Text.Json;
using LiveVote.Cli.CommandLine;

namespace LiveVote.Cli.Audit.Logs;

/// <summary>
/// <c>audit heads --server &lt;url&gt; --poll &lt;id&gt; [--out &lt;file&gt;]</c>: collects every signed head of a poll (every
/// partition, <c>/v1/polls/{id}/audit/heads</c>) and its signed result statement (<c>/v1/polls/{id}/result</c>, once
/// final) into the JSON array of signed notes <c>audit verify --heads</c> reads. An existing <c>--out</c> file is merged
/// into, never replaced: a head collected earlier and deleted since is exactly what verify must still see. Exit 0 when
/// collected, 1 when the server refused (unknown poll, not allowed), 2 usage, 3 unreachable.
/// </summary>
internal sealed class AuditHeadsCommand : ICliCommand
{
    public IReadOnlyList<string> Words { get; } = ["audit", "heads"];

    public string Arguments => "--server <url> --poll <id> [--out <file>]";

    public string Summary =>
        "Collects a poll's signed tree heads (every partition) and its signed result from a server into the JSON file audit verify --heads reads (merging into an existing file).";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("server", ValueName: "url", "The server's base URL, e.g. https://vote.example.org."),
        new("poll", ValueName: "id", "The poll whose heads to collect."),
        new("out", ValueName: "file", "Where to keep the notes (a JSON array). Notes already in it are kept; without --out the array is printed."),
        .. AdminKeySource.Specs,
    ];

    public async Task<int> RunAsync(ParsedOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        if (!Uri.TryCreate(options.Required("server"), UriKind.Absolute, out var server) || server.Scheme is not ("http" or "https"))
        {
            throw new UsageException("--server must be an absolute http(s) URL.");
        }

        var pollId = options.Required("poll");
        var outPath = options.Value("out");
        var notes = outPath is not null && File.Exists(outPath) ? ReadExisting(outPath) : [];
        var before = notes.Count;
        using var client = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(60) };
        if (AdminKeySource.Resolve(options) is { } adminKey)
        {
            client.DefaultRequestHeaders.Add("X-Admin-Key", adminKey);
        }

        var collector = new SignedHeadsCollector(client, pollId);
        try
        {
            await collector.CollectAsync(notes, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (e.StatusCode is null)
        {
            throw new CouldNotReachException($"{server}: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CouldNotReachException($"{server}: no answer within {client.Timeout.TotalSeconds:F0} s", e);
        }
        catch (SignedHeadsCollector.RefusedException e)
        {
            await output.WriteLineAsync($"FAILED: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }

        var json = JsonSerializer.Serialize(notes, HeadsJsonContext.Default.ListString);
        if (outPath is null)
        {
            await output.WriteLineAsync(json).ConfigureAwait(false);
            return ExitCodes.Ok;
        }

        // Written beside and renamed over, so an interrupted run never leaves a half file (and never loses old notes).
        var temporary = outPath + ".tmp";
        await File.WriteAllTextAsync(temporary, json + "\n", cancellationToken).ConfigureAwait(false);
        File.Move(temporary, outPath, overwrite: true);
        await output.WriteLineAsync(
            $"Poll {pollId}: {collector.Heads} signed head(s) from {collector.Partitions} partition(s), "
            + (collector.Statement ? "the signed result" : $"no signed result ({collector.NoResultReason})")
            + $"; {notes.Count - before} new note(s), {notes.Count} in {outPath}.").ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    private static List<string> ReadExisting(string path)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), HeadsJsonContext.Default.ListString) ?? [];
        }
        catch (JsonException e)
        {
            throw new UsageException($"--out {path} exists but is not a JSON array of signed notes: {e.Message}");
        }
    }
}

/// <summary>Pages through a poll's heads, partition by partition, then asks for its result.</summary>
internal sealed class SignedHeadsCollector(HttpClient client, string pollId)
{
    private const int PageSize = 1000;

    public int Heads { get; private set; }

    public int Partitions { get; private set; }

    public bool Statement { get; private set; }

    public string NoResultReason { get; private set; } = "";

    /// <summary>Adds every note not yet in <paramref name="notes"/>, in the order the server lists them.</summary>
    public async Task CollectAsync(List<string> notes, CancellationToken cancellationToken)
    {
        var known = new HashSet<string>(notes, StringComparer.Ordinal);
        var escaped = Uri.EscapeDataString(pollId);
        var partitionCount = 1;
        for (var partition = 0; partition < partitionCount; partition++)
        {
            long? after = null;
            do
            {
                var query = $"/v1/polls/{escaped}/audit/heads?partition={partition}&limit={PageSize}" + (after is { } a ? $"&after={a}" : "");
                using var page = await GetJsonAsync(query, cancellationToken).ConfigureAwait(false)
                                 ?? throw new RefusedException($"{query}: not found");
                var root = page.RootElement;
                partitionCount = root.TryGetProperty("partitionCount", out var count) && count.TryGetInt32(out var c) ? Math.Max(c, 1) : 1;
                foreach (var head in root.GetProperty("heads").EnumerateArray())
                {
                    Heads++;
                    Add(notes, known, head.GetProperty("checkpoint").GetString());
                }

                after = root.TryGetProperty("next", out var next) && next.ValueKind == JsonValueKind.Number ? next.GetInt64() : null;
            }
            while (after is not null);
        }

        Partitions = partitionCount;
        using var result = await GetJsonAsync($"/v1/polls/{escaped}/result", cancellationToken, notFoundIsAnswer: true).ConfigureAwait(false);
        if (result is not null && result.RootElement.TryGetProperty("statement", out var statement))
        {
            Statement = true;
            Add(notes, known, statement.GetString());
        }
    }

    private static void Add(List<string> notes, HashSet<string> known, string? note)
    {
        if (!string.IsNullOrEmpty(note) && known.Add(note))
        {
            notes.Add(note);
        }
    }

    private async Task<JsonDocument?> GetJsonAsync(string path, CancellationToken cancellationToken, bool notFoundIsAnswer = false)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative), cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound && notFoundIsAnswer)
        {
            NoResultReason = Detail(body) ?? "not final";
            return null;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new RefusedException($"GET {path}: {(int)response.StatusCode} {Detail(body) ?? response.ReasonPhrase}");
        }

        try
        {
            return JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            throw new RefusedException($"GET {path}: the answer is not JSON ({e.Message})");
        }
    }

    private static string? Detail(string body)
    {
        try
        {
            using var problem = JsonDocument.Parse(body);
            return problem.RootElement.TryGetProperty("detail", out var detail) ? detail.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The server answered, but not with what was asked for.</summary>
    internal sealed class RefusedException(string message) : Exception(message);
}

/// <summary>The heads file: a JSON array of signed notes, indented for diffing.</summary>
[System.Text.Json.Serialization.JsonSourceGenerationOptions(WriteIndented = true)]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<string>))]
internal sealed partial class HeadsJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
