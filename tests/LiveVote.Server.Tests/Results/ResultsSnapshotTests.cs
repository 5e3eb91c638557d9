using System.Text;
using LiveVote.Server.Polls;
using LiveVote.Server.Results;

namespace LiveVote.Server.Tests.Results;

public sealed class ResultsSnapshotTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 20, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Create_SseFrame_IsOneResultsEventWithTheJsonOnOneDataLine_AndTheETagIsTheVersion()
    {
        var snapshot = ResultsSnapshot.Create(Poll("a", "b"), [3, 1], 42, T0);

        var json = Encoding.UTF8.GetString(snapshot.Json);
        Assert.DoesNotContain('\n', json);
        Assert.Equal($"event: results\ndata: {json}\n\n", Encoding.UTF8.GetString(snapshot.SseFrame.Span));
        Assert.Equal("\"42\"", snapshot.ETag);
        Assert.Contains("\"version\":42", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_FewerTotalsThanOptions_CountsTheMissingOptionsAsZero()
    {
        var snapshot = ResultsSnapshot.Create(Poll("a", "b", "c"), [2, 1], 1, T0);

        Assert.Equal(0, snapshot.Dto.Totals["c"]);
        Assert.Equal(3, snapshot.Dto.Total);
        Assert.Equal(["a", "b", "c"], snapshot.Dto.Totals.Keys.Order(StringComparer.Ordinal));
    }

    private static Poll Poll(params string[] optionIds) =>
        new("p-1", "Who?", [.. optionIds.Select(id => new PollOption(id, id.ToUpperInvariant()))], PollStatus.Open, T0, T0, null);
}
