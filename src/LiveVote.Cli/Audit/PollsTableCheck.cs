using System.Data.Common;
using System.Text.Json;

namespace LiveVote.Cli.Audit;

/// <summary>A poll as the audit chain(s) define it, to hold the <c>polls</c> table to.</summary>
internal readonly record struct ChainPoll(string Id, string Status, PollDefinition? Definition, string CreatedAt, PollPresentation Presentation);

/// <summary>
/// Holds the <c>polls</c> table (which the server loads poll state from) to the audit trail: every row has a
/// poll-created entry with the same title and options and the status the chain(s) give, and the presentation the
/// producer's entries give (viewer results; the frozen snapshot, the very JSON of the freeze that holds); every created
/// poll has a row.
/// Shared by the SQLite and PostgreSQL verifiers; <paramref name="chainsName"/> only words the messages.
/// </summary>
internal static class PollsTableCheck
{
    public const string Query = "SELECT id, title, options, status, show_results_to_viewers, frozen_totals FROM polls ORDER BY id";

    public static void Check(DbDataReader reader, IReadOnlyList<ChainPoll> polls, string chainsName, ProblemLog problems)
    {
        var byId = polls.ToDictionary(p => p.Id, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read())
        {
            var id = reader.GetString(0);
            seen.Add(id);
            if (!byId.TryGetValue(id, out var poll))
            {
                problems.AtPoll(id, "polls table has this poll, but no poll-created entry does");
                continue;
            }

            var status = reader.GetString(3);
            if (!string.Equals(status, poll.Status, StringComparison.Ordinal))
            {
                problems.AtPoll(id, $"polls table says status {status}, {chainsName} say{(chainsName.EndsWith('s') ? "" : "s")} {poll.Status}");
            }

            var show = reader.GetBoolean(4);
            if (show != poll.Presentation.ShowResultsToViewers)
            {
                problems.AtPoll(id, $"polls table says viewers are {(show ? "" : "not ")}shown the results, {chainsName} say otherwise");
            }

            var frozen = reader.IsDBNull(5) ? null : reader.GetString(5);
            if (!string.Equals(frozen, poll.Presentation.FrozenData, StringComparison.Ordinal))
            {
                problems.AtPoll(id, $"polls table's frozen results ({frozen ?? "none"}) differ from {chainsName} ({poll.Presentation.FrozenData ?? "none"})");
            }

            if (poll.Definition is { } definition && !SameDefinition(reader.GetString(1), reader.GetString(2), definition))
            {
                problems.AtPoll(id, "polls table's title or options differ from the poll-created entry");
            }
        }

        foreach (var poll in polls.Where(p => !seen.Contains(p.Id)))
        {
            problems.AtPoll(poll.Id, $"polls table has no row for this poll (created at {poll.CreatedAt})");
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
