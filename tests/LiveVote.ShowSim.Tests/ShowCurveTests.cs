namespace LiveVote.ShowSim.Tests;

public class ShowCurveTests
{
    private static readonly ShowCurve Curve = ShowCurve.Televised;

    [Fact]
    public void Rate_RampsToThePeak_HoldsIt_DecaysAndStopsAtTheClose()
    {
        Assert.Equal(0, Curve.RateAt(0));
        Assert.Equal(Curve.PeakPerSecond / 2, Curve.RateAt(Curve.RampSeconds / 2), 6);
        Assert.Equal(Curve.PeakPerSecond, Curve.RateAt(Curve.RampSeconds));
        Assert.Equal(Curve.PeakPerSecond, Curve.RateAt(Curve.HoldSeconds - 0.001));
        Assert.Equal(Curve.PeakPerSecond / Math.E, Curve.RateAt(Curve.HoldSeconds + Curve.DecaySeconds), 6);
        Assert.Equal(0, Curve.RateAt(Curve.WindowSeconds));
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(1.9)]
    [InlineData(7)]
    [InlineData(10)]
    [InlineData(33.3)]
    [InlineData(89)]
    public void TimeOfVote_IsTheInverseOfTheCumulativeCurve(double seconds) =>
        Assert.Equal(seconds, Curve.TimeOfVote(Curve.CumulativeVotes(seconds)), 9);

    [Fact]
    public void CumulativeVotes_MatchesTheIntegralOfTheRate()
    {
        // Midpoint rule over the whole window, 1 ms steps.
        var sum = 0.0;
        for (var t = 0.0005; t < Curve.WindowSeconds; t += 0.001)
        {
            sum += Curve.RateAt(t) * 0.001;
        }

        Assert.Equal(1, sum / Curve.TotalVotes, 3);
    }

    [Fact]
    public void Validate_RefusesAHoldBeforeTheRampEnds() =>
        Assert.Throws<ArgumentException>(() => (Curve with { HoldSeconds = 1 }).Validate());
}
