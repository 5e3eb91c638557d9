namespace LiveVote.Cli.Audit.Fleet;

/// <summary>One results-frozen entry of a cluster: the poll, where the entry is, and the counts it froze per option id.</summary>
internal sealed record ClusterFreeze(int Partition, string PollId, EntryRef Entry, IReadOnlyList<(string OptionId, long Count)> Counts);

/// <summary>
/// A frozen snapshot only ever shows votes that were cast: in a fleet, each cluster's freeze holds the node's totals
/// summed over the clusters, so no frozen count may exceed the fleet's recount of that option (with writers' clocks
/// apart there is no common instant to place the freeze at, so it is held to every vote, as in one PostgreSQL store).
/// </summary>
internal static class FleetFreezeCheck
{
    /// <summary>The readable freezes a cluster's recount met (unreadable ones are already reported there).</summary>
    public static IEnumerable<ClusterFreeze> Collect(int partition, IReadOnlyList<PollRecount> polls) =>
        from poll in polls
        where poll.Definition is not null
        from freeze in poll.Presentation.Freezes
        where freeze.Totals is not null
        select new ClusterFreeze(partition, poll.Id, freeze.Entry,
            [.. poll.Definition!.Options.Select((o, i) => (o.Id, i < freeze.Totals!.Length ? freeze.Totals[i] : 0))]);

    public static void Check(IEnumerable<ClusterFreeze> freezes, IReadOnlyList<FleetPollRecount> fleet, ProblemLog problems)
    {
        var cast = fleet.ToDictionary(p => p.Id, p => p.Options.ToDictionary(o => o.Id, o => o.Votes, StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var freeze in freezes)
        {
            foreach (var (optionId, count) in freeze.Counts)
            {
                var votes = cast.GetValueOrDefault(freeze.PollId)?.GetValueOrDefault(optionId) ?? 0;
                if (count > votes)
                {
                    problems.InPartition(freeze.Partition, freeze.Entry, freeze.PollId,
                        $"results-frozen shows {count} votes for option '{optionId}', more than the {votes} cast in the whole fleet");
                }
            }
        }
    }
}
