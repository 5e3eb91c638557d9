using System.Data.Common;
using System.Text.Json;

namespace LiveVote.Cli.Audit;

/// <summary>
/// Holds the <c>polls</c> table (which the server loads poll state from) to the audit trail: every row has a
/// poll-created entry with the same title and options and the status the chain(s) give, and the presentation the
/// producer's entries give (viewer results; the frozen snapshot, the very JSON of the freeze that holds); every created
/// poll has a row.
/// </summary>
internal static class PollsTableCheck
{
    public const string Query = "SELECT id, title, options, status, show_results_to_viewers, frozen_totals FROM polls ORDER BY id";

    /// <summary>Reads a row of <see cref="Query"/>; <c>show_results_to_viewers</c> is a boolean (an integer in SQLite).</summary>
    public static PollsRow ReadRow(DbDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetBoolean(4), reader.IsDBNull(5) ? null : reader.GetString(5));

    public static void Check(IEnumerable<PollsRow> rows, IReadOnlyList<PollRecount> polls, ProblemLog problems)
    {
        var chainsName = problems.NamesChains ? "the audit chains" : "the audit chain";
        var byId = polls.ToDictionary(p => p.Id, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var id = row.Id;
            seen.Add(id);
            if (!byId.TryGetValue(id, out var poll))
            {
                problems.AtPoll(id, "polls table has this poll, but no poll-created entry does");
                continue;
            }

            if (!string.Equals(row.Status, poll.Status, StringComparison.Ordinal))
            {
                problems.AtPoll(id, $"polls table says status {row.Status}, {chainsName} say{(chainsName.EndsWith('s') ? "" : "s")} {poll.Status}");
            }

            var show = row.ShowResultsToViewers;
            if (show != poll.Presentation.ShowResultsToViewers)
            {
                problems.AtPoll(id, $"polls table says viewers are {(show ? "" : "not ")}shown the results, {chainsName} say otherwise");
            }

            if (!string.Equals(row.FrozenTotals, poll.Presentation.FrozenData, StringComparison.Ordinal))
            {
                problems.AtPoll(id, $"polls table's frozen results ({row.FrozenTotals ?? "none"}) differ from {chainsName} ({poll.Presentation.FrozenData ?? "none"})");
            }

            if (poll.Definition is { } definition && !SameDefinition(row.Title, row.OptionsJson, definition))
            {
                problems.AtPoll(id, "polls table's title or options differ from the poll-created entry");
            }
        }

        foreach (var poll in polls.Where(p => !seen.Contains(p.Id)))
        {
            problems.AtPoll(poll.Id, $"polls table has no row for this poll (created at {problems.Where(poll.Created)})");
        }
    }

    private static bool SameDefinition(string title, string optionsJson, PollDefinition definition)
    {
        try
        {
            using var document = JsonDocument.Parse(optionsJson);
            var options = PollDefinition.TryParseOptions(document.RootElement, out _);
            return string.Equals(title, definition.Title, StringComparison.Ordinal)
                   && options is not null && options.SequenceEqual(definition.Options);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
