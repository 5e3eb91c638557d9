using LiveVote.Server.Storage;
using Microsoft.Extensions.Time.Testing;

namespace LiveVote.Server.Tests.Storage;

/// <summary>Summing the partitions' totals: a partition that stops answering keeps its last part, and says so.</summary>
public sealed class PartitionTotalsTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMilliseconds(600);

    [Fact]
    public void Sum_AddsEveryPartitionsPartOfThePoll()
    {
        var time = new FakeTimeProvider();
        var totals = new PartitionTotals(2);

        totals.Read(0, new Dictionary<string, long[]> { ["p"] = [1, 2] }, time.GetTimestamp());
        totals.Read(1, new Dictionary<string, long[]> { ["p"] = [10, 20] }, time.GetTimestamp());

        Assert.Equal([11L, 22L], totals.Sum("p", 2, 2));
    }

    [Fact]
    public void Sum_OfAPollSpreadOverFewerPartitions_LeavesTheOthersOut()
    {
        var time = new FakeTimeProvider();
        var totals = new PartitionTotals(2);
        totals.Read(0, new Dictionary<string, long[]> { ["p"] = [1, 2] }, time.GetTimestamp());
        totals.Read(1, new Dictionary<string, long[]> { ["p"] = [10, 20] }, time.GetTimestamp());

        Assert.Equal([1L, 2L], totals.Sum("p", 2, 1));
    }

    [Fact]
    public void Read_OfALowerCount_NeverMovesThePartBack()
    {
        var time = new FakeTimeProvider();
        var totals = new PartitionTotals(1);
        totals.Read(0, new Dictionary<string, long[]> { ["p"] = [5, 5] }, time.GetTimestamp());

        totals.Read(0, new Dictionary<string, long[]> { ["p"] = [4, 6] }, time.GetTimestamp());

        Assert.Equal([5L, 6L], totals.Sum("p", 2, 1));
    }

    [Fact]
    public void Stale_NamesThePartitionNotReadWithinTheLimit_AndKeepsItsLastPart()
    {
        var time = new FakeTimeProvider();
        var totals = new PartitionTotals(2);
        totals.Read(0, new Dictionary<string, long[]> { ["p"] = [1, 0] }, time.GetTimestamp());
        totals.Read(1, new Dictionary<string, long[]> { ["p"] = [0, 7] }, time.GetTimestamp());
        Assert.Null(totals.Stale(2, time.GetTimestamp(), time, Limit));

        time.Advance(TimeSpan.FromSeconds(1));
        totals.Read(0, new Dictionary<string, long[]> { ["p"] = [2, 0] }, time.GetTimestamp());

        Assert.Equal([1], totals.Stale(2, time.GetTimestamp(), time, Limit));
        Assert.Equal([2L, 7L], totals.Sum("p", 2, 2));
    }

    [Fact]
    public void Stale_BeforeAnyRead_NamesEveryPartition()
    {
        var time = new FakeTimeProvider();

        Assert.Equal([0, 1], new PartitionTotals(2).Stale(2, time.GetTimestamp(), time, Limit));
    }
}
