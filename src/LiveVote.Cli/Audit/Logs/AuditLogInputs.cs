using System.Text.Json;
using LiveVote.Cli.CommandLine;

namespace LiveVote.Cli.Audit.Logs;

/// <summary>A receipt a viewer kept: the entry hash (hex) the vote answer gave, and where it is in the poll's log.</summary>
internal sealed record KeptReceipt(string PollId, string Log, long Leaf, string Receipt);

/// <summary>
/// What the auditor brings from outside the database to <c>audit verify</c>: the verifier keys the operator published
/// (<c>--key</c>), the signed notes collected while the poll ran (<c>--heads</c>: a JSON array of checkpoints and result
/// statements, as <c>audit heads</c> writes it) and receipts viewers kept (<c>--receipts</c>: a JSON array of
/// <c>{ "poll", "log", "leaf", "receipt" }</c>). The database itself is never trusted to say what was signed.
/// </summary>
internal sealed record AuditLogInputs(IReadOnlyList<NoteVerifierKey> Keys, IReadOnlyList<string> Notes, IReadOnlyList<KeptReceipt> Receipts)
{
    public static AuditLogInputs None { get; } = new([], [], []);

    public bool Any => Keys.Count > 0 || Notes.Count > 0 || Receipts.Count > 0;

    /// <summary>Reads the options; a key that does not parse or a file that is not the documented JSON is a usage error.</summary>
    public static AuditLogInputs FromOptions(ParsedOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var keys = new List<NoteVerifierKey>();
        foreach (var text in options.Values("key"))
        {
            keys.Add(NoteVerifierKey.TryParse(text, out var key, out var error) ? key : throw new UsageException($"--key '{text}': {error}."));
        }

        var notes = options.Value("heads") is { } heads ? ReadNotes(heads) : [];
        var receipts = options.Value("receipts") is { } kept ? ReadReceipts(kept) : [];
        return new AuditLogInputs(keys, notes, receipts);
    }

    private static List<string> ReadNotes(string path)
    {
        using var document = ReadJson("heads", path);
        if (document.RootElement.ValueKind != JsonValueKind.Array || document.RootElement.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
        {
            throw new UsageException($"--heads {path}: expected a JSON array of signed notes (strings).");
        }

        return [.. document.RootElement.EnumerateArray().Select(e => e.GetString()!)];
    }

    private static List<KeptReceipt> ReadReceipts(string path)
    {
        using var document = ReadJson("receipts", path);
        var receipts = new List<KeptReceipt>();
        if (document.RootElement.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in document.RootElement.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object
                    && item.TryGetProperty("poll", out var poll) && poll.ValueKind == JsonValueKind.String
                    && item.TryGetProperty("log", out var log) && log.ValueKind == JsonValueKind.String
                    && item.TryGetProperty("leaf", out var leaf) && leaf.TryGetInt64(out var index) && index >= 0
                    && item.TryGetProperty("receipt", out var receipt) && receipt.ValueKind == JsonValueKind.String)
                {
                    receipts.Add(new KeptReceipt(poll.GetString()!, log.GetString()!, index, receipt.GetString()!));
                    continue;
                }

                throw new UsageException($"--receipts {path}: every item must be {{ \"poll\", \"log\", \"leaf\", \"receipt\" }}, not {item.GetRawText()}.");
            }

            return receipts;
        }

        throw new UsageException($"--receipts {path}: expected a JSON array.");
    }

    private static JsonDocument ReadJson(string option, string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--{option} {path}: {e.Message}");
        }
        catch (JsonException e)
        {
            throw new UsageException($"--{option} {path} is not JSON: {e.Message}");
        }
    }
}
