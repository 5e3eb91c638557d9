using System.Text.Json;

namespace LiveVote.Cli.Audit;

internal sealed record PollOptionDefinition(string Id, string Label);

/// <summary>
/// A poll's definition as the audit records it: the data of its poll-created entry,
/// <c>{"title":"..","options":[{"id":"..","label":".."}]}</c>, with <c>"showResultsToViewers":true</c> when the poll was
/// created showing viewers the results and <c>"hideResultsUntilReveal":true</c> when its public results start hidden. A
/// poll-edited entry's data has the same form. Parsed by hand with <see cref="JsonDocument"/> so that a malformed or tampered
/// definition is a reported problem, never an exception.
/// </summary>
internal sealed record PollDefinition(
    string Title, IReadOnlyList<PollOptionDefinition> Options, bool ShowResultsToViewers = false, bool HideResultsUntilReveal = false)
{
    /// <summary>Parses a poll-created entry's data; returns null and says why when it is not a valid definition.</summary>
    public static PollDefinition? TryParse(string? json, out string error)
    {
        if (string.IsNullOrEmpty(json))
        {
            error = "has no poll definition in data";
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("title", out var title) || title.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("options", out var options))
            {
                error = "data is not a poll definition {title, options}";
                return null;
            }

            if (!TryFlag(root, "showResultsToViewers", out var show, out error) || !TryFlag(root, "hideResultsUntilReveal", out var hide, out error))
            {
                return null;
            }

            var parsed = TryParseOptions(options, out error);
            return parsed is null ? null : new PollDefinition(title.GetString()!, parsed, show, hide);
        }
        catch (JsonException e)
        {
            error = $"data is not valid JSON ({e.Message})";
            return null;
        }
    }

    /// <summary>An optional true/false member (absent: false).</summary>
    private static bool TryFlag(JsonElement root, string name, out bool value, out string error)
    {
        value = false;
        error = "";
        if (!root.TryGetProperty(name, out var element))
        {
            return true;
        }

        if (element.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            error = $"{name} is not true or false";
            return false;
        }

        value = element.GetBoolean();
        return true;
    }

    /// <summary>The option's index in <see cref="Options"/>, or -1.</summary>
    public int IndexOfOption(string? optionId)
    {
        for (var i = 0; i < Options.Count; i++)
        {
            if (string.Equals(Options[i].Id, optionId, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Parses an options array <c>[{"id":"..","label":".."}]</c>, as in the definition and the polls table.</summary>
    public static IReadOnlyList<PollOptionDefinition>? TryParseOptions(JsonElement options, out string error)
    {
        if (options.ValueKind != JsonValueKind.Array || options.GetArrayLength() == 0)
        {
            error = "options is not a non-empty array";
            return null;
        }

        var parsed = new List<PollOptionDefinition>();
        foreach (var option in options.EnumerateArray())
        {
            if (option.ValueKind != JsonValueKind.Object
                || !option.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String || id.GetString() is not { Length: > 0 } optionId
                || !option.TryGetProperty("label", out var label) || label.ValueKind != JsonValueKind.String)
            {
                error = "an option is not {id, label} with a non-empty id";
                return null;
            }

            if (parsed.Exists(o => string.Equals(o.Id, optionId, StringComparison.Ordinal)))
            {
                error = $"option id '{optionId}' appears twice";
                return null;
            }

            parsed.Add(new PollOptionDefinition(optionId, label.GetString()!));
        }

        error = "";
        return parsed;
    }
}
