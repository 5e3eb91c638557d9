using System.Text.Json;

namespace LiveVote.Cli.Audit;

/// <summary>
/// Who pressed for a poll change: since named operators, the server adds <c>"operator":"name"</c> (or
/// <c>"admin-key"</c>) as the last member of a poll change's data, and a change that carried no data before now carries
/// <c>{"operator":"name"}</c>. Older entries, and changes nobody pressed for (background work), have none.
/// </summary>
internal static class OperatorData
{
    public const string Member = "operator";

    /// <summary>Whether <paramref name="data"/> says nothing but who pressed: null, or an object whose only member is a string "operator".</summary>
    public static bool IsNoneOrOperatorOnly(string? data)
    {
        if (data is null)
        {
            return true;
        }

        try
        {
            using var document = JsonDocument.Parse(data);
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && root.EnumerateObject().Count() == 1
                && root.TryGetProperty(Member, out var name) && name.ValueKind == JsonValueKind.String;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// A results-frozen entry's snapshot as the polls table keeps it (<c>{"totals":{..}}</c>, without who froze it): the
    /// data as stored when it names no operator, else its totals member's exact text in the same form.
    /// </summary>
    public static string? Snapshot(string? data)
    {
        if (data is null)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(data);
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object && root.TryGetProperty(Member, out _) && root.TryGetProperty("totals", out var totals)
                ? "{\"totals\":" + totals.GetRawText() + "}"
                : data;
        }
        catch (JsonException)
        {
            return data;
        }
    }
}
