namespace LiveVote.ShowSim;

/// <summary>
/// Votes per second after a poll opens on air: a linear ramp to <see cref="PeakPerSecond"/> over
/// <see cref="RampSeconds"/> (viewers reach their phones), the peak held until <see cref="HoldSeconds"/> (the issue's
/// "spike to 250k/s in the first 10 s"), then an exponential decay with time constant <see cref="DecaySeconds"/> until
/// the poll closes at <see cref="WindowSeconds"/>. An assumption, not a measurement: no per-second curve of a televised
/// vote is public; the shape follows the issue and the common account that most televotes arrive right after the
/// lines open. Arrivals are a Poisson process of this rate, drawn exactly through the inverse of the cumulative curve.
/// </summary>
internal sealed record ShowCurve(double PeakPerSecond, double RampSeconds, double HoldSeconds, double DecaySeconds, double WindowSeconds)
{
    /// <summary>The show: 250k/s within 2 s, held to 10 s, halving about every 10 s, poll closes at 90 s.</summary>
    public static ShowCurve Televised { get; } = new(250_000, 2, 10, 15, 90);

    /// <summary>Votes expected over the whole window.</summary>
    public double TotalVotes => CumulativeVotes(WindowSeconds);

    public void Validate()
    {
        if (!(PeakPerSecond > 0) || RampSeconds < 0 || HoldSeconds < RampSeconds || !(DecaySeconds > 0) || WindowSeconds < HoldSeconds)
        {
            throw new ArgumentException($"Invalid show curve {this}: need peak > 0, 0 <= ramp <= hold <= window, decay > 0.");
        }
    }

    public double RateAt(double t) => t switch
    {
        < 0 => 0,
        _ when t < RampSeconds => PeakPerSecond * t / RampSeconds,
        _ when t < HoldSeconds => PeakPerSecond,
        _ when t < WindowSeconds => PeakPerSecond * Math.Exp(-(t - HoldSeconds) / DecaySeconds),
        _ => 0,
    };

    /// <summary>Expected votes from the opening to <paramref name="t"/>: the integral of <see cref="RateAt"/>.</summary>
    public double CumulativeVotes(double t)
    {
        t = Math.Clamp(t, 0, WindowSeconds);
        if (t < RampSeconds)
        {
            return PeakPerSecond * t * t / (2 * RampSeconds);
        }

        var ramp = PeakPerSecond * RampSeconds / 2;
        if (t < HoldSeconds)
        {
            return ramp + (PeakPerSecond * (t - RampSeconds));
        }

        var hold = ramp + (PeakPerSecond * (HoldSeconds - RampSeconds));
        return hold + (PeakPerSecond * DecaySeconds * (1 - Math.Exp(-(t - HoldSeconds) / DecaySeconds)));
    }

    /// <summary>The inverse of <see cref="CumulativeVotes"/>: when the expected count reaches <paramref name="votes"/>.</summary>
    public double TimeOfVote(double votes)
    {
        var ramp = PeakPerSecond * RampSeconds / 2;
        if (votes < ramp)
        {
            return Math.Sqrt(2 * RampSeconds * votes / PeakPerSecond);
        }

        var hold = ramp + (PeakPerSecond * (HoldSeconds - RampSeconds));
        if (votes < hold)
        {
            return RampSeconds + ((votes - ramp) / PeakPerSecond);
        }

        var fraction = (votes - hold) / (PeakPerSecond * DecaySeconds);
        return fraction >= 1 ? double.PositiveInfinity : Math.Min(WindowSeconds, HoldSeconds - (DecaySeconds * Math.Log(1 - fraction)));
    }
}
