using LiveVote.Cli.Loadgen;

namespace LiveVote.Cli.Tests.Loadgen;

public sealed class VoteBookTests
{
    [Fact]
    public void ObserveTotal_CountsOnlyAcknowledgmentsUpToTheTotal_EachOnce()
    {
        var book = new VoteBook(["t0", "t1", "t2"], 2, 0, 0);
        var random = new Random(1);
        for (var i = 0; i < 3; i++)
        {
            Assert.True(book.TryNext(random, out var order));
            book.Acknowledge(order.Viewer, $"{i + 10}", 1000 + i);
        }

        Assert.Equal([1000L, 1001L], book.ObserveTotal(2));
        Assert.Empty(book.ObserveTotal(2));
        // A total beyond what was acknowledged (the 201 is still on its way) marks only what was acknowledged.
        Assert.Equal([1002L], book.ObserveTotal(7));
        Assert.Equal(3, book.VisibleCount);
    }

    [Fact]
    public void TryNext_AfterEveryViewerVoted_StopsIssuingFirstVotes()
    {
        var book = new VoteBook(["t0", "t1"], 2, 0, 0);
        var random = new Random(1);

        Assert.True(book.TryNext(random, out var first));
        Assert.True(book.TryNext(random, out var second));
        Assert.False(book.TryNext(random, out _));
        Assert.Equal([0, 1], new[] { first.Viewer, second.Viewer });
        Assert.True(book.Exhausted);
    }

    [Fact]
    public void TryNext_SecondVotes_AlwaysPickAnotherOption()
    {
        var book = new VoteBook(["t0"], 3, 0, 1.0);
        var random = new Random(7);
        Assert.True(book.TryNext(random, out var first));
        book.Acknowledge(first.Viewer, "1", 0);

        var seconds = 0;
        for (var i = 0; i < 200 && book.TryNext(random, out var order); i++)
        {
            Assert.Equal(VoteKind.Second, order.Kind);
            Assert.NotEqual(first.Option, order.Option);
            seconds++;
        }

        Assert.True(seconds > 0);
    }
}
