using System.Collections.Immutable;
using System.Security.Cryptography;

namespace LiveVote.Server.Polls;

/// <summary>What makes a poll definition valid. Pure rules, no HTTP and no storage.</summary>
public static class PollRules
{
    public const int MaxTitleLength = 200;
    public const int MinOptions = 2;

    // A TV poll fits on one screen, and 20 options of 80-character labels keep a definition under the 4 KiB body limit.
    public const int MaxOptions = 20;
    public const int MaxOptionIdLength = 32;
    public const int MaxLabelLength = 80;
    public const int MaxPollIdLength = 40;

    /// <summary>Poll and option ids are short lowercase slugs: safe in URLs, logs, metric-free and audit text.</summary>
    public static bool IsSlug(ReadOnlySpan<char> value, int maxLength)
    {
        if (value.IsEmpty || value.Length > maxLength || value[0] == '-')
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                return false;
            }
        }

        return true;
    }

    public static bool IsPollId(ReadOnlySpan<char> value) => IsSlug(value, MaxPollIdLength);

    /// <summary>Validates a definition; returns null when valid, else a message fit for the API's problem detail.</summary>
    public static string? Validate(string? title, IReadOnlyList<(string? Id, string? Label)>? options)
    {
        if (string.IsNullOrWhiteSpace(title))
        {
            return "title is required.";
        }

        if (title.Length > MaxTitleLength)
        {
            return $"title is longer than {MaxTitleLength} characters.";
        }

        if (options is null || options.Count < MinOptions || options.Count > MaxOptions)
        {
            return $"options must hold {MinOptions} to {MaxOptions} entries.";
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (id, label) in options)
        {
            if (id is null || !IsSlug(id, MaxOptionIdLength))
            {
                return $"option id '{Truncate(id)}' must be a slug: a-z, 0-9 and '-', 1 to {MaxOptionIdLength} characters.";
            }

            if (!seen.Add(id))
            {
                return $"option id '{id}' appears twice.";
            }

            if (string.IsNullOrWhiteSpace(label) || label.Length > MaxLabelLength)
            {
                return $"option '{id}' needs a label of 1 to {MaxLabelLength} characters.";
            }
        }

        return null;
    }

    public static Poll Create(
        string id, string title, IEnumerable<(string Id, string Label)> options, DateTimeOffset at, bool showResultsToViewers = false) =>
        new(id, title.Trim(), [.. options.Select(o => new PollOption(o.Id, o.Label.Trim()))], PollStatus.Draft, at, null, null)
        {
            ShowResultsToViewers = showResultsToViewers,
        };

    /// <summary>A new random poll id: "p-" and 10 base-32 characters (50 bits: collisions are checked anyway).</summary>
    public static string NewPollId()
    {
        const string alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
        Span<byte> random = stackalloc byte[10];
        RandomNumberGenerator.Fill(random);
        Span<char> chars = stackalloc char[12];
        chars[0] = 'p';
        chars[1] = '-';
        for (var i = 0; i < random.Length; i++)
        {
            chars[i + 2] = alphabet[random[i] & 31];
        }

        return new string(chars);
    }

    private static string Truncate(string? value) => value is null ? "" : value.Length <= 40 ? value : value[..40] + "...";

    public static ImmutableArray<PollOption> Options(params (string Id, string Label)[] options) =>
        [.. options.Select(o => new PollOption(o.Id, o.Label))];
}
