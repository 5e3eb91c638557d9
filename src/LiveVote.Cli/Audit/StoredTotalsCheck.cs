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
        using var command = Command(connection, transaction, PollsTableCheck.Query);
        using var reader = command.ExecuteReader();
        PollsTableCheck.Check(reader, [.. polls.Select(p => new ChainPoll(p.Id, p.Status, p.Definition, $"seq {p.CreatedSeq}", p.Presentation))], "the audit chain", problems);
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }
}
