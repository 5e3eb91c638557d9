using System.Text;
using System.Text.Json;
using LiveVote.Server.Polls;

namespace LiveVote.Server.Storage;

/// <summary>
/// A frozen snapshot as the <c>polls.frozen_totals</c> column and the <c>results-frozen</c> audit entry both hold it (the
/// entry with <c>"operator"</c> after it when someone pressed, <c>PollRows.AuditData</c>):
/// <c>{"totals":{"optionId":count,...}}</c>, compact, options in the poll's order. The form is hashed: keep it stable.
/// </summary>
internal static class FrozenResultsJson
{
    public static string? Write(Poll poll)
    {
        if (poll.Frozen is not { } frozen)
        {
            return null;
        }

        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("totals");
            for (var i = 0; i < poll.Options.Length; i++)
            {
                writer.WriteNumber(poll.Options[i].Id, i < frozen.Totals.Length ? frozen.Totals[i] : 0);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The counts in the poll's option order; an option the JSON does not name counts 0.</summary>
    public static long[] Parse(string json, Poll poll)
    {
        var totals = new long[poll.Options.Length];
        using var document = JsonDocument.Parse(json);
        if (!document.RootElement.TryGetProperty("totals", out var byOption) || byOption.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"Poll {poll.Id} has frozen totals without a totals object.");
        }

        foreach (var property in byOption.EnumerateObject())
        {
            if (poll.IndexOfOption(property.Name) is >= 0 and var i)
            {
                totals[i] = property.Value.GetInt64();
            }
        }

        return totals;
    }
}
