namespace LiveVote.ShowSim.Tests;

/// <summary>
/// The simulation core on a small show (about 7,000 votes in 6 s): what it predicts must follow from the rules it
/// models, whatever the figures.
/// </summary>
public class ShowSimulationTests
{
    private static readonly SimSettings SmallShow = new()
    {
        Clusters = 4,
        Nodes = 3,
        Curve = new ShowCurve(PeakPerSecond: 2_000, RampSeconds: 0.5, HoldSeconds: 2, DecaySeconds: 2, WindowSeconds: 6),
        Seed = 42,
    };

    // 500 votes/s per cluster at the peak against 250/s of capacity, tiny queues: refusals and retries guaranteed.
    private static readonly SimSettings Overloaded = SmallShow with { CommitPerVoteSeconds = 1.0 / 250, QueueCapacity = 32, MaxBatchSize = 16 };

    [Fact]
    public void CapacityAboveLoad_NoVoteIsRefused()
    {
        var report = new ShowSimulation(SmallShow).Run();

        Assert.True(report.Votes > 5_000);
        Assert.All(report.Clusters, c =>
        {
            Assert.Equal(0, c.Refused);
            Assert.Equal(c.Votes, c.Attempts);
            Assert.Equal(c.Votes, c.Created);
        });
    }

    [Fact]
    public void Overload_EveryVoteIsStoredAndAnsweredExactlyOnce()
    {
        var report = new ShowSimulation(Overloaded with { FailoverClusters = 1, FailoverAtSeconds = 1, FailoverSeconds = 2 }).Run();

        Assert.All(report.Clusters, c =>
        {
            Assert.True(c.Refused > 0, $"cluster {c.Cluster} was never refused: the test exercised no retry");
            Assert.Equal(c.Votes, c.Stored);
            Assert.Equal(c.Votes, c.Created + c.Duplicates);
        });
    }

    [Fact]
    public void ACommitPastItsDeadline_ThatStillStores_AnswersTheRetry200_NotASecondVote()
    {
        // A 50 ms deadline against commits of ~64 ms: batches are answered 503, then stored; their retries are duplicates.
        var settings = Overloaded with { CommitDeadlineSeconds = 0.05 };

        var report = new ShowSimulation(settings).Run();

        Assert.True(report.Clusters.Sum(c => c.Duplicates) > 0);
        Assert.All(report.Clusters, c =>
        {
            Assert.Equal(c.Votes, c.Stored);
            Assert.Equal(c.Votes, c.Created + c.Duplicates);
        });
    }

    [Fact]
    public void Queues_NeverHoldMoreThanTheirCapacity_AndOverloadFillsThem()
    {
        var report = new ShowSimulation(Overloaded).Run();

        Assert.All(report.Clusters, c => Assert.InRange(c.MaxQueueDepth, 1, Overloaded.QueueCapacity));
        Assert.Contains(report.Clusters, c => c.MaxQueueDepth == Overloaded.QueueCapacity);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Failover_RefusesOnlyTheFailedClustersVoters_UntilItEnds(int failing)
    {
        var settings = SmallShow with { FailoverClusters = failing, FailoverAtSeconds = 1, FailoverSeconds = 3 };

        var report = new ShowSimulation(settings).Run();

        Assert.All(report.Clusters.Take(failing), failed =>
        {
            Assert.True(failed.VotersRefused > 0);
            Assert.True(failed.LastRetriedAnswerSeconds >= settings.FailoverAtSeconds + settings.FailoverSeconds);
            Assert.Equal(failed.Votes, failed.Stored);
        });
        Assert.All(report.Clusters.Skip(failing), c =>
        {
            Assert.Equal(0, c.Refused);
            Assert.Equal(0, c.LastRetriedAnswerSeconds);
            Assert.Equal(c.Votes, c.Created);
        });
    }

    [Fact]
    public void SameSeed_SameReport_OtherSeed_OtherVoters()
    {
        var settings = Overloaded with { FailoverClusters = 1 };

        var first = new ShowSimulation(settings).Run();
        var again = new ShowSimulation(settings).Run();
        var other = new ShowSimulation(settings with { Seed = 43 }).Run();

        Assert.Equal(first.Clusters, again.Clusters);
        Assert.NotEqual(first.Clusters.Select(c => c.Votes), other.Clusters.Select(c => c.Votes));
    }

    [Fact]
    public void Votes_FollowTheCurve_AndSpreadOverEveryCluster()
    {
        var report = new ShowSimulation(SmallShow).Run();

        Assert.InRange(report.Votes, SmallShow.Curve.TotalVotes * 0.95, SmallShow.Curve.TotalVotes * 1.05);
        var fair = report.Votes / (double)SmallShow.Clusters;
        Assert.All(report.Clusters, c => Assert.InRange(c.Votes, fair * 0.9, fair * 1.1));
    }
}
