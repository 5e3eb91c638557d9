using Npgsql;

namespace LiveVote.Cli.Audit.Postgres;

/// <summary>
/// Compares the PostgreSQL store's current state with the chains: the <c>tallies</c> rows (one per poll, option and
/// writer) summed over writers with the recount, and the <c>polls</c> table with the polls the chains define.
/// </summary>
internal static class SharedTotalsCheck
{
    public static void CheckTallies(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<SharedPoll> polls, ProblemLog problems)
    {
        var stored = new Dictionary<(string Poll, string Option), Dictionary<int, long>>();
        using (var command = new NpgsqlCommand("SELECT poll_id, option_id, writer_id, count FROM tallies", connection, transaction))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var key = (reader.GetString(0), reader.GetString(1));
                if (!stored.TryGetValue(key, out var byWriter))
                {
                    stored[key] = byWriter = [];
                }

                byWriter[reader.GetInt32(2)] = reader.GetInt64(3);
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

                // A writer adds its row on its first vote for the option: no rows means zero.
                var byWriter = stored.Remove((poll.Id, optionId), out var rows) ? rows : [];
                var sum = byWriter.Values.Sum();
                if (sum == poll.Counts[i])
                {
                    continue;
                }

                // Each writer's row grows in the same transaction as its chain's vote entries: name the rows that differ.
                var writers = byWriter.Keys.Union(poll.WritersOf(i)).Order()
                    .Where(w => byWriter.GetValueOrDefault(w) != poll.CountOf(i, w))
                    .Select(w => $"chain {w}: tally {byWriter.GetValueOrDefault(w)}, its vote entries {poll.CountOf(i, w)}");
                problems.AtPoll(poll.Id,
                    $"tally mismatch for option '{optionId}': tallies sum to {sum} over writers, audit recount {poll.Counts[i]} ({string.Join("; ", writers)})");
            }
        }

        foreach (var ((pollId, optionId), byWriter) in stored.OrderBy(s => s.Key.Poll, StringComparer.Ordinal).ThenBy(s => s.Key.Option, StringComparer.Ordinal))
        {
            problems.AtPoll(pollId, $"tallies table has {byWriter.Values.Sum()} for option '{optionId}', which no poll-created entry defines for this poll");
        }
    }

    /// <summary>A frozen snapshot only ever shows votes that were cast: no frozen count above the option's recount.</summary>
    public static void CheckFreezes(IReadOnlyList<SharedPoll> polls, ProblemLog problems)
    {
        foreach (var poll in polls.Where(p => p.Definition is not null))
        {
            foreach (var problem in poll.Presentation.FrozenAboveCount(poll.Definition!, poll.Counts))
            {
                problems.AtPoll(poll.Id, problem);
            }
        }
    }

    public static void CheckPolls(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<SharedPoll> polls, ProblemLog problems)
    {
        using var command = new NpgsqlCommand(PollsTableCheck.Query, connection, transaction);
        using var reader = command.ExecuteReader();
        PollsTableCheck.Check(reader, [.. polls.Select(p => new ChainPoll(p.Id, p.Status, p.Definition, $"{p.Created}", p.Presentation))], "the audit chains", problems);
    }
}
