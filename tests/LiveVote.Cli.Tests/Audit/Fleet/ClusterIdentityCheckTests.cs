using LiveVote.Cli.Audit;
using LiveVote.Cli.Audit.Fleet;

namespace LiveVote.Cli.Tests.Audit.Fleet;

/// <summary>The identity rule on its own: recorded indexes against the command line, maps as prefixes of the longest.</summary>
public sealed class ClusterIdentityCheckTests
{
    private const string A = "aaaaaaaa-0000-0000-0000-000000000000";
    private const string B = "bbbbbbbb-0000-0000-0000-000000000000";
    private const string C = "cccccccc-0000-0000-0000-000000000000";

    [Fact]
    public void Check_ClustersInMapOrder_FindsNothing()
    {
        var (problems, warnings, map) = Check(new(A, 0, $"{A},{B}"), new(B, 1, $"{A},{B}"));

        Assert.Empty(problems);
        Assert.Empty(warnings);
        Assert.Equal([A, B], map);
    }

    [Fact]
    public void Check_OlderShorterMapInOneCluster_IsAPrefixAndFine()
    {
        // A cluster added later: the first cluster's map was extended, but an old node may have recorded only its prefix.
        var (problems, _, map) = Check(new(A, 0, A), new(B, 1, $"{A},{B}"));

        Assert.Empty(problems);
        Assert.Equal([A, B], map);
    }

    [Fact]
    public void Check_MapsThatDisagree_FailsNamingThePartitionWhoseMapIsNoPrefix()
    {
        var (problems, _, _) = Check(new(A, 0, $"{A},{B},{C}"), new(B, 1, $"{A},{C}"), new(C, 2, $"{A},{B},{C}"));

        var problem = Assert.Single(problems);
        Assert.Equal(1, problem.Partition);
        Assert.StartsWith($"the fleet map it records ({A},{C}) is not a prefix of the longest one", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_SameClusterTwice_FailsNamingTheSecondPartition()
    {
        var (problems, _, _) = Check(new(A, 0, $"{A},{B}"), new(A, 0, $"{A},{B}"));

        Assert.Contains(problems, p => p.Partition == 1 && p.Message == $"cluster {A} is also given as partition 0: the same cluster twice");
    }

    [Fact]
    public void Check_ClusterWithoutIndexButWithMap_Fails()
    {
        var (problems, _, _) = Check(new(A, 0, $"{A},{B}"), new(B, null, $"{A},{B}"));

        Assert.Contains(problems, p => p.Partition == 1 && p.Message == $"cluster {B} records a fleet map but no partition_index");
    }

    [Fact]
    public void Check_NoMapAnywhere_Fails()
    {
        var (problems, warnings, map) = Check(new(A, null, null), new(B, null, null));

        Assert.Equal(2, warnings.Count);
        Assert.Empty(map);
        Assert.Contains(problems, p => p.Partition is null && p.Message.StartsWith("no cluster records a fleet map", StringComparison.Ordinal));
    }

    private static (IReadOnlyList<VerifyProblem> Problems, List<VerifyProblem> Warnings, IReadOnlyList<string> Map) Check(params ClusterIdentity?[] clusters)
    {
        var problems = new ProblemLog(namesChains: true);
        var warnings = new List<VerifyProblem>();
        var map = ClusterIdentityCheck.Check(clusters, problems, warnings);
        return (problems.Listed, warnings, map);
    }
}
