using LiveVote.Cli.Audit.Logs;
using LiveVote.Cli.Audit.Postgres;

namespace LiveVote.Cli.Audit.Fleet;

/// <summary>
/// Verifies a fleet whose voters are spread over several PostgreSQL clusters (docs/design.md, section 11), given in
/// partition order. Each cluster first gets everything a single store gets (<see cref="PostgresAuditVerifier"/>: its
/// writer chains, checkpoints, recount, tallies and polls table), in its own read-only snapshot; then, in those same
/// snapshots, across the clusters: their identities against the command line (<see cref="ClusterIdentityCheck"/>), the
/// polls every cluster must share (<see cref="FleetPollsCheck"/>), where each vote lives and that no voter lives in two
/// clusters (<see cref="VotePlacementCheck"/>); and the fleet totals as the sum of the clusters' recounts, which bound
/// every cluster's frozen snapshots (<see cref="FleetFreezeCheck"/>). There is no
/// snapshot across clusters: each is consistent in itself, which is all the checks need.
/// </summary>
internal static class FleetAuditVerifier
{
    public static FleetVerifyReport Verify(IReadOnlyList<string> connectionStrings, CancellationToken cancellationToken = default) =>
        Verify(connectionStrings, AuditLogInputs.None, cancellationToken);

    public static FleetVerifyReport Verify(IReadOnlyList<string> connectionStrings, AuditLogInputs inputs, CancellationToken cancellationToken = default)
    {
        var count = connectionStrings.Count;
        var cross = new ProblemLog(namesChains: true);
        var logs = new MerkleLogsCheck(inputs, new LogProblems(cross, fleet: true), count);
        var warnings = new List<VerifyProblem>();
        var snapshots = new PostgresSnapshot?[count];
        var identities = new ClusterIdentity?[count];
        var polls = new IReadOnlyDictionary<string, FleetPollRow>?[count];
        var reports = new VerifyReport[count];
        var freezes = new List<ClusterFreeze>();
        var placement = new VotePlacementCheck();
        IReadOnlyList<string> map = [];
        try
        {
            for (var i = 0; i < count; i++)
            {
                (reports[i], snapshots[i]) = VerifyCluster(i, connectionStrings[i], freezes, logs, cancellationToken);
                if (snapshots[i] is { } snapshot)
                {
                    ReadFleetFacts(i, snapshot, cross, out identities[i], out polls[i]);
                }
            }

            map = ClusterIdentityCheck.Check(identities, cross, warnings);
            var partitionCounts = FleetPollsCheck.Check(polls, cross, warnings);
            var readable = Enumerable.Range(0, count).Where(i => snapshots[i] is not null && polls[i] is not null).Select(i => (i, snapshots[i]!)).ToList();
            try
            {
                placement.Run(readable, partitionCounts, cross, cancellationToken);
            }
            catch (Exception e) when (PostgresAuditVerifier.IsUnreadable(e))
            {
                cross.InPartition(null, null, null, $"cannot read the votes tables to check where each vote lives: {e.Message}");
            }

            // Every partition's notes are read by now: a result statement in one names the logs of all.
            foreach (var (i, snapshot) in readable)
            {
                try
                {
                    logs.Walk(i, PostgresAuditVerifier.LogTables(snapshot), cancellationToken);
                }
                catch (Exception e) when (PostgresAuditVerifier.IsUnreadable(e))
                {
                    cross.InPartition(i, null, null, $"cannot read its audit entries to recompute the Merkle logs: {e.Message}");
                }
            }
        }
        finally
        {
            foreach (var snapshot in snapshots)
            {
                snapshot?.Dispose();
            }
        }

        var totals = FleetTotals(reports);
        FleetFreezeCheck.Check(freezes, totals, cross);
        var logsSummary = logs.Judge([.. totals.Select(t => new PollTotals(t.Id, t.Status, t.Votes, t.Options))]);
        var problems = ProblemLog.SortedByLocation(reports.SelectMany(r => r.Problems).Concat(cross.Listed));
        return new FleetVerifyReport(
            [.. reports.Select((r, i) => new PartitionReport(i, identities[i]?.ClusterId, identities[i]?.PartitionIndex, identities[i]?.Map, r))],
            map,
            placement.Rows,
            totals,
            reports.Sum(r => r.ProblemCount) + cross.Count,
            [.. problems.Take(ProblemLog.MaxListed)],
            warnings)
        {
            Logs = logsSummary,
        };
    }

    /// <summary>
    /// One cluster as <see cref="PostgresAuditVerifier"/> verifies a single store, but with its freezes held to the fleet's
    /// votes (<see cref="FleetMemberJudgement"/>; they are added to <paramref name="freezes"/>). Its snapshot stays open
    /// for the cross checks.
    /// </summary>
    private static (VerifyReport Report, PostgresSnapshot? Snapshot) VerifyCluster(
        int partition, string connectionString, List<ClusterFreeze> freezes, MerkleLogsCheck logs, CancellationToken cancellationToken)
    {
        var builder = PostgresAuditVerifier.Builder(connectionString);
        var problems = new ProblemLog(namesChains: true) { Partition = partition };
        var recount = new AuditRecount(new FleetMemberJudgement(), problems);
        PostgresSnapshot? snapshot = null;
        try
        {
            snapshot = PostgresSnapshot.Open(builder);
            PostgresAuditVerifier.Recount(snapshot, recount, problems, cancellationToken);
            logs.ReadNotes(partition, PostgresAuditVerifier.LogTables(snapshot));
            freezes.AddRange(FleetFreezeCheck.Collect(partition, recount.History.Polls));
        }
        catch (Exception e) when (PostgresAuditVerifier.IsUnreadable(e))
        {
            // Its transaction is unusable now: the cluster is left out of the cross checks (and the fleet fails with this).
            problems.General(PostgresAuditVerifier.CannotRead(builder, e) + " (left out of the cross-cluster checks)");
            snapshot?.Dispose();
            snapshot = null;
        }

        return (recount.Report(PostgresAuditVerifier.Describe(builder)), snapshot);
    }

    private static void ReadFleetFacts(
        int partition, PostgresSnapshot snapshot, ProblemLog problems, out ClusterIdentity? identity, out IReadOnlyDictionary<string, FleetPollRow>? polls)
    {
        identity = null;
        polls = null;
        try
        {
            identity = ClusterIdentity.Read(snapshot, partition, problems);
            polls = FleetPollRow.ReadAll(snapshot);
        }
        catch (Exception e) when (PostgresAuditVerifier.IsUnreadable(e))
        {
            problems.InPartition(partition, null, null, $"cannot read its cluster identity and polls for the cross-cluster checks: {e.Message}");
        }
    }

    /// <summary>Each poll's recount summed over the partitions holding it, option by option, in creation order of the first.</summary>
    private static List<FleetPollRecount> FleetTotals(IReadOnlyList<VerifyReport> reports)
    {
        var shares = reports.SelectMany((r, i) => r.Polls.Select(p => (Partition: i, Poll: p))).ToList();
        return [.. shares.Select(s => s.Poll.Id).Distinct(StringComparer.Ordinal).Select(id =>
        {
            var parts = shares.Where(s => string.Equals(s.Poll.Id, id, StringComparison.Ordinal)).ToList();
            var options = parts.SelectMany(s => s.Poll.Options).Select(o => o.Id).Distinct(StringComparer.Ordinal)
                .Select(option => new OptionRecount(option, parts.SelectMany(s => s.Poll.Options).Where(o => o.Id == option).Sum(o => o.Votes)));
            return new FleetPollRecount(
                id,
                parts[0].Poll.Title,
                LeastAdvanced(parts.Select(s => s.Poll.Status)),
                parts.Sum(s => s.Poll.Votes),
                [.. options],
                [.. parts.Select(s => new PartitionPollRecount(s.Partition, s.Poll.Status, s.Poll.Votes, s.Poll.Options))]);
        })];
    }

    private static string LeastAdvanced(IEnumerable<string> statuses)
    {
        var all = statuses.ToList();
        return all.Contains(PollStates.Draft) ? PollStates.Draft : all.Contains(PollStates.Open) ? PollStates.Open : all[0];
    }
}
