namespace LiveVote.Cli.Audit;

/// <summary>
/// Compares the <c>tallies</c> rows, what the server keeps as current counts (SQLite: one per poll option; PostgreSQL: one
/// per poll, option and writer, summed over writers), with the recount (a small table: one row per option and writer);
/// and holds every frozen snapshot to the votes it could have shown. The polls table: <see cref="PollsTableCheck"/>.
/// </summary>
internal static class StoredTotalsCheck
{
    public static void CheckTallies(IEnumerable<TallyRow> rows, IReadOnlyList<PollRecount> polls, ProblemLog problems)
    {
        var stored = new Dictionary<(string Poll, string Option), Dictionary<int, long>>();
        foreach (var row in rows)
        {
            if (!stored.TryGetValue((row.PollId, row.OptionId), out var byChain))
            {
                stored[(row.PollId, row.OptionId)] = byChain = [];
            }

            byChain[row.Chain] = row.Count;
        }

        foreach (var poll in polls)
        {
            for (var i = 0; i < (poll.Definition?.Options.Count ?? 0); i++)
            {
                var optionId = poll.Definition!.Options[i].Id;

                // A writer adds its row on its first vote for the option: no rows means zero.
                var byChain = stored.Remove((poll.Id, optionId), out var found) ? found : [];
                var sum = byChain.Values.Sum();
                if (sum != poll.Counts[i])
                {
                    problems.AtPoll(poll.Id, $"tally mismatch for option '{optionId}': {TalliesSay(sum, byChain, poll, i, problems)}");
                }
            }
        }

        foreach (var ((pollId, optionId), byChain) in stored.OrderBy(s => s.Key.Poll, StringComparer.Ordinal).ThenBy(s => s.Key.Option, StringComparer.Ordinal))
        {
            problems.AtPoll(pollId, $"tallies table has {byChain.Values.Sum()} for option '{optionId}', which no poll-created entry defines for this poll");
        }
    }

    /// <summary>A frozen snapshot only ever shows votes that were cast: no frozen count above what the judgement allows it.</summary>
    public static void CheckFreezes(IReadOnlyList<PollRecount> polls, VoteJudgement judgement, ProblemLog problems)
    {
        foreach (var poll in polls)
        {
            foreach (var freeze in poll.Presentation.Freezes)
            {
                var cast = judgement.CastFor(freeze, poll);
                for (var i = 0; freeze.Totals is not null && i < freeze.Totals.Length; i++)
                {
                    if (freeze.Totals[i] > cast[i])
                    {
                        problems.At(freeze.Entry,
                            $"results-frozen at {problems.Where(freeze.Entry)} shows {freeze.Totals[i]} votes for option '{poll.Definition!.Options[i].Id}', more than the {cast[i]} cast{judgement.CastSuffix}",
                            poll.Id);
                    }
                }
            }
        }
    }

    /// <summary>
    /// What the tallies say against the recount. Where writers keep rows of their own, each writer's row grows in the
    /// same transaction as its chain's vote entries: the rows that differ are named.
    /// </summary>
    private static string TalliesSay(long sum, Dictionary<int, long> byChain, PollRecount poll, int option, ProblemLog problems)
    {
        if (!problems.NamesChains)
        {
            return $"tallies table says {sum}, audit recount {poll.Counts[option]}";
        }

        var chains = byChain.Keys.Union(poll.ChainsOf(option)).Order()
            .Where(c => byChain.GetValueOrDefault(c) != poll.CountOf(option, c))
            .Select(c => $"chain {c}: tally {byChain.GetValueOrDefault(c)}, its vote entries {poll.CountOf(option, c)}");
        return $"tallies sum to {sum} over writers, audit recount {poll.Counts[option]} ({string.Join("; ", chains)})";
    }
}
