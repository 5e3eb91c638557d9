using LiveVote.Server.Polls;
using LiveVote.Server.Results.Final;

namespace LiveVote.Server.Tests.Results.Final;

/// <summary>The gate, the same for every store: passes equal figures, names every differing one, waits for a partition not closed yet.</summary>
public sealed class ReconciliationGateTests
{
    private static readonly Poll Closed = new(
        "p-1", "Who?", PollRules.Options(("a", "A"), ("b", "B")), PollStatus.Closed, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

    private static PartitionFigures Figures(long a, long b, string status = "closed", long? tallyA = null, long? entriesB = null, long? leaves = null, params LogFigures[] logs) =>
        new(status, 1000,
            new Dictionary<string, long> { ["a"] = a, ["b"] = b },
            new Dictionary<string, long> { ["a"] = tallyA ?? a, ["b"] = b },
            new Dictionary<string, long> { ["a"] = a, ["b"] = entriesB ?? b },
            leaves ?? a + (entriesB ?? b),
            logs.Length > 0 ? logs : [new LogFigures(0, a + b + 3, a + b + 3)]);

    [Fact]
    public void EqualFigures_InEveryPartition_Pass_WithTheSummedTotalsAndEveryLog()
    {
        var verdict = ReconciliationGate.Check(Closed, [Figures(3, 1), Figures(2, 4, logs: [new LogFigures(2, 5, 5), new LogFigures(7, 4, 4)])]);

        Assert.Equal(GateOutcome.Passed, verdict.Outcome);
        Assert.Equal([5L, 5L], verdict.Totals);
        Assert.Equal([(0, 0, 7L), (1, 2, 5L), (1, 7, 4L)], verdict.Logs);
    }

    [Fact]
    public void ATallyOff_IsRefused_NamingThePartitionTheOptionAndTheThreeFigures()
    {
        var verdict = ReconciliationGate.Check(Closed, [Figures(3, 1), Figures(2, 4, tallyA: 9)]);

        Assert.Equal(GateOutcome.Refused, verdict.Outcome);
        Assert.Equal("Reconciliation failed: partition 1, option 'a': 2 vote rows, tally 9, 2 vote audit entries.", verdict.Reason);
    }

    [Fact]
    public void MissingAuditEntries_LeavesAndLogNumbering_AreEachNamed()
    {
        var verdict = ReconciliationGate.Check(Closed, [Figures(3, 2, entriesB: 1, leaves: 3, logs: new LogFigures(0, 7, 6))]);

        Assert.Equal(GateOutcome.Refused, verdict.Outcome);
        Assert.Contains("partition 0, option 'b': 2 vote rows, tally 2, 1 vote audit entries", verdict.Reason, StringComparison.Ordinal);
        Assert.Contains("partition 0: 4 vote audit entries but 3 of them are log leaves", verdict.Reason, StringComparison.Ordinal);
        Assert.Contains("log 0.0: 7 audit entries of the poll but 6 numbered leaves", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void VotesForAnOptionThePollLacks_AreRefused()
    {
        var figures = Figures(1, 1) with { VoteRows = new Dictionary<string, long> { ["a"] = 1, ["b"] = 1, ["zz"] = 2 } };

        var verdict = ReconciliationGate.Check(Closed, [figures]);

        Assert.Equal(GateOutcome.Refused, verdict.Outcome);
        Assert.Contains("option 'zz', which the poll does not have, has 2 vote rows, tally 0, 0 vote audit entries", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void APartitionNotClosedYet_IsAWait_NotARefusal()
    {
        var verdict = ReconciliationGate.Check(Closed, [Figures(1, 1), Figures(1, 1, status: "open"), new PartitionFigures(null, null, new Dictionary<string, long>(), new Dictionary<string, long>(), new Dictionary<string, long>(), 0, [])]);

        Assert.Equal(GateOutcome.NotYet, verdict.Outcome);
        Assert.Equal("The close has not reached every partition: partition 1 holds the poll as open; partition 2 does not hold the poll yet.", verdict.Reason);
    }
}
