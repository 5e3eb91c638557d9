namespace LiveVote.Server.Security.Risk;

/// <summary>The signals of the risk score. Their names are metric label values and audit data: never rename one.</summary>
public enum RiskSignal : byte
{
    IpVotes,
    NetworkVotes,
    NetworkRegistrations,
    DeviceBurst,
    OptionBurst,
    YoungAccount,
}

public static class RiskSignals
{
    public static readonly RiskSignal[] All = Enum.GetValues<RiskSignal>();

    public static string Name(RiskSignal signal) => signal switch
    {
        RiskSignal.IpVotes => "ip-votes",
        RiskSignal.NetworkVotes => "network-votes",
        RiskSignal.NetworkRegistrations => "network-registrations",
        RiskSignal.DeviceBurst => "device-burst",
        RiskSignal.OptionBurst => "option-burst",
        RiskSignal.YoungAccount => "young-account",
        _ => "unknown",
    };
}

/// <summary>The points each signal gave one vote, and their sum. A value: scoring a vote allocates nothing.</summary>
public readonly record struct RiskAssessment(
    double IpVotes,
    double NetworkVotes,
    double NetworkRegistrations,
    double DeviceBurst,
    double OptionBurst,
    double YoungAccount)
{
    public double Score => IpVotes + NetworkVotes + NetworkRegistrations + DeviceBurst + OptionBurst + YoungAccount;

    public int RoundedScore => (int)Math.Round(Score, MidpointRounding.AwayFromZero);

    /// <summary>The signal that gave the most points (the reason named in metrics and the audit trail).</summary>
    public RiskSignal MainSignal
    {
        get
        {
            var main = RiskSignal.IpVotes;
            foreach (var signal in RiskSignals.All)
            {
                if (Points(signal) > Points(main))
                {
                    main = signal;
                }
            }

            return main;
        }
    }

    public double Points(RiskSignal signal) => signal switch
    {
        RiskSignal.IpVotes => IpVotes,
        RiskSignal.NetworkVotes => NetworkVotes,
        RiskSignal.NetworkRegistrations => NetworkRegistrations,
        RiskSignal.DeviceBurst => DeviceBurst,
        RiskSignal.OptionBurst => OptionBurst,
        RiskSignal.YoungAccount => YoungAccount,
        _ => 0,
    };

    public int RoundedPoints(RiskSignal signal) => (int)Math.Round(Points(signal), MidpointRounding.AwayFromZero);
}
