using System.Globalization;
using LiveVote.Server.Polls;

namespace LiveVote.Server.Results.Final;

/// <summary>
/// The reconciliation gate a poll's result passes before it is signed, the same for every store: in each partition the
/// poll is spread over, for each option, vote rows (deduplicated votes) == tally == vote audit entries, every vote
/// entry is a leaf, and each log's entries are numbered 0..n-1 as leaves. Any difference means the database was changed
/// behind the writer's back (or a bug): the result is refused, with every differing figure named.
/// </summary>
internal static class ReconciliationGate
{
    public static GateVerdict Check(Poll poll, IReadOnlyList<PartitionFigures> partitions)
    {
        // A partition that has not closed the poll yet is catching up (docs/design.md, section 11): not a failure, a wait.
        var notClosed = new List<string>();
        for (var p = 0; p < partitions.Count; p++)
        {
            if (partitions[p].Status != Poll.StatusName(PollStatus.Closed))
            {
                notClosed.Add(partitions[p].Status is { } status
                    ? $"partition {p} holds the poll as {status}"
                    : $"partition {p} does not hold the poll yet");
            }
        }

        if (notClosed.Count > 0)
        {
            return GateVerdict.Wait($"The close has not reached every partition: {string.Join("; ", notClosed)}.");
        }

        var problems = new List<string>();
        var totals = new long[poll.Options.Length];
        var logs = new List<(int Partition, int Chain, long Size)>();
        for (var p = 0; p < partitions.Count; p++)
        {
            var figures = partitions[p];
            foreach (var unknown in figures.VoteRows.Keys.Concat(figures.Tallies.Keys).Concat(figures.VoteEntries.Keys)
                .Where(o => poll.IndexOfOption(o) < 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                problems.Add(Invariant(
                    $"partition {p}: option '{unknown}', which the poll does not have, has {figures.VoteRows.GetValueOrDefault(unknown)} vote rows, tally {figures.Tallies.GetValueOrDefault(unknown)}, {figures.VoteEntries.GetValueOrDefault(unknown)} vote audit entries"));
            }

            long rows = 0;
            for (var i = 0; i < poll.Options.Length; i++)
            {
                var option = poll.Options[i].Id;
                var (votes, tally, entries) = (figures.VoteRows.GetValueOrDefault(option), figures.Tallies.GetValueOrDefault(option), figures.VoteEntries.GetValueOrDefault(option));
                if (votes != tally || votes != entries)
                {
                    problems.Add(Invariant($"partition {p}, option '{option}': {votes} vote rows, tally {tally}, {entries} vote audit entries"));
                }

                totals[i] += votes;
                rows += votes;
            }

            var voteEntries = figures.VoteEntries.Values.Sum();
            if (figures.VoteLeaves != voteEntries)
            {
                problems.Add(Invariant($"partition {p}: {voteEntries} vote audit entries but {figures.VoteLeaves} of them are log leaves"));
            }

            foreach (var log in figures.Logs.OrderBy(l => l.Chain))
            {
                if (log.Entries != log.Leaves)
                {
                    problems.Add(Invariant($"log {p}.{log.Chain}: {log.Entries} audit entries of the poll but {log.Leaves} numbered leaves"));
                }

                logs.Add((p, log.Chain, log.Entries));
            }
        }

        return problems.Count > 0
            ? GateVerdict.Refuse($"Reconciliation failed: {string.Join("; ", problems)}.")
            : GateVerdict.Pass(totals, logs);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// The gate's answer: passed (the totals in the poll's option order, and each log's size), refused (the reason, naming
/// the figures), or not yet (a partition has not closed the poll: try again later).
/// </summary>
internal sealed record GateVerdict(GateOutcome Outcome, string? Reason, long[] Totals, IReadOnlyList<(int Partition, int Chain, long Size)> Logs)
{
    public static GateVerdict Pass(long[] totals, IReadOnlyList<(int Partition, int Chain, long Size)> logs) => new(GateOutcome.Passed, null, totals, logs);

    public static GateVerdict Refuse(string reason) => new(GateOutcome.Refused, reason, [], []);

    public static GateVerdict Wait(string reason) => new(GateOutcome.NotYet, reason, [], []);
}

internal enum GateOutcome
{
    Passed,
    Refused,
    NotYet,
}
