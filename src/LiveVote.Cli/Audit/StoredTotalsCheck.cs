using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace LiveVote.Cli.Audit;

/// <summary>
/// Compares what the server keeps as current state with what the chain says: the <c>tallies</c> table with the
/// recount, and the <c>polls</c> table (which the server loads its poll states from) with the replayed polls.
/// Both tables are small: one row per poll option and one per poll.
/// </summary>
internal static class StoredTotalsCheck
{
    public static void CheckTallies(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<PollRecount> polls, ProblemLog problems)
    {
        var stored = new Dictionary<(string Poll, string Option), long>();
        using (var command = Command(connection, transaction, "SELECT poll_id, option_id, count FROM tallies ORDER BY poll_id, option_id"))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                stored[(reader.GetString(0), reader.GetString(1))] = reader.GetInt64(2);
            }
        }

        foreach (var poll in polls)
        {
            if (poll.Definition is null)
            {
                continue;
            }

            for (var i = 0; i < poll.Definition.Options.Count; i++)
            {
                var optionId = poll.Definition.Options[i].Id;

                // The server writes a tally row on an option's first vote: no row means zero.
                var tally = stored.Remove((poll.Id, optionId), out var count) ? count : 0;
                if (tally != poll.Counts[i])
                {
                    problems.AtPoll(poll.Id, $"tally mismatch for option '{optionId}': tallies table says {tally}, audit recount {poll.Counts[i]}");
                }
            }
        }

        foreach (var ((pollId, optionId), count) in stored.OrderBy(s => s.Key.Poll, StringComparer.Ordinal).ThenBy(s => s.Key.Option, StringComparer.Ordinal))
        {
            problems.AtPoll(pollId, $"tallies table has {count} for option '{optionId}', which no poll-created entry defines for this poll");
        }
    }

    public static void CheckPolls(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<PollRecount> polls, ProblemLog problems)
    {
        var byId = polls.ToDictionary(p => p.Id, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        using var command = Command(connection, transaction, "SELECT id, title, options, status FROM polls ORDER BY id");
        using var reader = command.ExecuteReader();
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
                problems.AtPoll(id, $"polls table says status {status}, the audit chain says {poll.Status}");
            }

            if (poll.Definition is { } definition && !SameDefinition(reader.GetString(1), reader.GetString(2), definition))
            {
                problems.AtPoll(id, "polls table's title or options differ from the poll-created entry");
            }
        }

        foreach (var poll in polls.Where(p => !seen.Contains(p.Id)))
        {
            problems.AtPoll(poll.Id, $"polls table has no row for this poll (created at seq {poll.CreatedSeq})");
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

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }
}
