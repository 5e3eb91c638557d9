namespace LiveVote.ShowSim.Tests;

public class ClusterPrimaryTests
{
    private static readonly SimSettings Settings = new()
    {
        CommitFixedSeconds = 0.010,
        CommitPerVoteSeconds = 0.001,
        FailoverClusters = 1,
        FailoverAtSeconds = 10,
        FailoverSeconds = 5,
    };

    [Fact]
    public void Commits_ShareThePrimarysCapacity_ButNotTheFixedCost()
    {
        var primary = new ClusterPrimary(Settings, failsOver: false);

        var first = primary.Commit(now: 1, votes: 100);
        var second = primary.Commit(now: 1, votes: 100);

        Assert.Equal((1.110, true), (Math.Round(first.End, 9), first.Stored));
        // Waits for the first commit's 100 ms of work, not for its fixed 10 ms.
        Assert.Equal((1.210, true), (Math.Round(second.End, 9), second.Stored));
    }

    [Fact]
    public void ACommitInFlightWhenThePrimaryIsLost_StallsUntilTheFailoverEndsAndStoresNothing()
    {
        var primary = new ClusterPrimary(Settings, failsOver: true);

        Assert.Equal((15.0, false), primary.Commit(now: 9.95, votes: 100));
    }

    [Fact]
    public void ACommitBegunDuringTheFailover_FailsAtItsEnd_AndTheNewPrimaryStartsIdle()
    {
        var primary = new ClusterPrimary(Settings, failsOver: true);

        Assert.Equal((15.0, false), primary.Commit(now: 12, votes: 1000));
        var after = primary.Commit(now: 15, votes: 10);

        Assert.True(after.Stored);
        Assert.Equal(15.020, after.End, 9);
    }
}
