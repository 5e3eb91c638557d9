using LiveVote.Server.Storage.Postgres;

namespace LiveVote.Server.Tests.Storage.Postgres;

/// <summary>
/// The rule that keeps a voter in one cluster: a node's list of clusters must agree with the index and map each cluster
/// records; only appending a new cluster is allowed.
/// </summary>
public sealed class ClusterMapRuleTests
{
    private static readonly Guid A = Guid.Parse("aaaaaaaa-0000-0000-0000-000000000001");
    private static readonly Guid B = Guid.Parse("bbbbbbbb-0000-0000-0000-000000000002");
    private static readonly Guid C = Guid.Parse("cccccccc-0000-0000-0000-000000000003");

    [Fact]
    public void Problem_OfNewClusters_IsNone()
    {
        Assert.Null(ClusterMapRule.Problem([New(A), New(B)]));
    }

    [Fact]
    public void Problem_OfTheRecordedMap_IsNone()
    {
        Assert.Null(ClusterMapRule.Problem([Mapped(A, 0, A, B), Mapped(B, 1, A, B)]));
    }

    [Fact]
    public void Problem_OfANewClusterAppended_IsNone()
    {
        Assert.Null(ClusterMapRule.Problem([Mapped(A, 0, A, B), Mapped(B, 1, A, B), New(C)]));
    }

    [Fact]
    public void Problem_OfReorderedClusters_NamesTheIndex()
    {
        var problem = ClusterMapRule.Problem([Mapped(B, 1, A, B), Mapped(A, 0, A, B)]);

        Assert.Contains("Partitions:0", problem);
        Assert.Contains("reordered", problem);
    }

    [Fact]
    public void Problem_OfAMissingCluster_SaysWhichIsMissing()
    {
        var problem = ClusterMapRule.Problem([Mapped(A, 0, A, B)]);

        Assert.Contains("missing", problem);
        Assert.Contains(B.ToString(), problem);
    }

    [Fact]
    public void Problem_OfAnotherClusterAtAnIndex_NamesBoth()
    {
        var problem = ClusterMapRule.Problem([Mapped(A, 0, A, B), New(C)]);

        Assert.Contains(C.ToString(), problem);
        Assert.Contains(B.ToString(), problem);
    }

    [Fact]
    public void Problem_OfOneClusterListedTwice_SaysSo()
    {
        Assert.Contains("same cluster", ClusterMapRule.Problem([New(A), New(A)]));
    }

    [Fact]
    public void Parse_OfFormat_GivesTheMapBack()
    {
        Assert.Equal([A, B, C], ClusterMapRule.Parse(ClusterMapRule.Format([A, B, C])));
        Assert.Empty(ClusterMapRule.Parse(null));
    }

    private static RecordedIdentity New(Guid id) => new(id, null, []);

    private static RecordedIdentity Mapped(Guid id, int index, params Guid[] map) => new(id, index, map);
}
