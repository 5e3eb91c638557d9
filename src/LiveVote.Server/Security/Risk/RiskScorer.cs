using LiveVote.Server.Security.RateLimiting;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Security.Risk;

/// <summary>
/// Keeps the velocity counters and scores each vote from them (see <see cref="RiskOptions"/>). Every vote that reaches
/// the check is counted, whatever it is answered, so retrying a refused vote raises the score instead of resetting it.
/// Cost per vote: one clock reading and six counter updates (a hash and a striped lock each), no allocation. Memory: six fixed tables.
/// </summary>
public sealed class RiskScorer
{
    private const ulong PollPurpose = 1;
    private const ulong UserAgentPurpose = 2;
    private const ulong LanguagePurpose = 3;
    private const ulong NetworkPurpose = 4;
    private const ulong HostPurpose = 5;

    private readonly RiskOptions _options;
    private readonly TimeProvider _time;
    private readonly SlidingWindowCounter _ipVotes;
    private readonly SlidingWindowCounter _networkVotes;
    private readonly SlidingWindowCounter _networkRegistrations;
    private readonly SlidingWindowCounter _deviceVotes;
    private readonly SlidingWindowCounter _networkPollVotes;
    private readonly SlidingWindowCounter _networkOptionVotes;

    public RiskScorer(IOptions<RiskOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
        var slots = _options.CounterSlots;
        _ipVotes = new SlidingWindowCounter(slots, _options.Window, time);
        _networkVotes = new SlidingWindowCounter(slots, _options.Window, time);
        _networkRegistrations = new SlidingWindowCounter(slots, _options.Window, time);
        _deviceVotes = new SlidingWindowCounter(slots, _options.BurstWindow, time);
        _networkPollVotes = new SlidingWindowCounter(slots, _options.Window, time);
        _networkOptionVotes = new SlidingWindowCounter(slots, _options.Window, time);
    }

    /// <summary>A public registration from <paramref name="client"/> succeeded.</summary>
    public void RecordRegistration(in ClientNetwork client) => _networkRegistrations.Add(KeyHasher.Hash(client.Network, NetworkPurpose));

    /// <summary>Reads the registrations of <paramref name="client"/>'s network in the window (for tests and diagnostics).</summary>
    public int RegistrationsOf(in ClientNetwork client) => _networkRegistrations.Count(KeyHasher.Hash(client.Network, NetworkPurpose));

    /// <summary>Counts one vote and scores it.</summary>
    /// <param name="tokenIssuedAt">The token's <c>iat</c>, when it has one.</param>
    public RiskAssessment RecordVote(
        in ClientNetwork client, ReadOnlySpan<char> userAgent, ReadOnlySpan<char> acceptLanguage, string pollId, int optionIndex, DateTimeOffset? tokenIssuedAt)
    {
        var network = KeyHasher.Hash(client.Network, NetworkPurpose);
        var device = KeyHasher.Combine(KeyHasher.Combine(network, KeyHasher.Hash(userAgent, UserAgentPurpose)), KeyHasher.Hash(acceptLanguage, LanguagePurpose));
        var networkPoll = KeyHasher.Combine(network, KeyHasher.Hash(pollId, PollPurpose));
        var networkOption = KeyHasher.Combine(networkPoll, (ulong)optionIndex + 1);

        // One clock reading for the six counters: the vote happens at one moment.
        var now = _time.GetUtcNow();
        var ipVotes = _ipVotes.AddAt(KeyHasher.Hash(client.Host, HostPurpose), now);
        var networkVotes = _networkVotes.AddAt(network, now);
        var registrations = _networkRegistrations.CountAt(network, now);
        var deviceVotes = _deviceVotes.AddAt(device, now);
        var pollVotes = _networkPollVotes.AddAt(networkPoll, now);
        var optionVotes = _networkOptionVotes.AddAt(networkOption, now);

        var burst = _options.OptionBurst;
        var optionPoints = pollVotes >= burst.MinVotes
            ? burst.Weight * Ramp((double)optionVotes / pollVotes, burst.NormalShare, burst.SaturatedShare)
            : 0;
        return new RiskAssessment(
            Points(ipVotes, _options.IpVotes),
            Points(networkVotes, _options.NetworkVotes),
            Points(registrations, _options.NetworkRegistrations),
            Points(deviceVotes, _options.DeviceBurst),
            optionPoints,
            YoungAccountPoints(tokenIssuedAt));
    }

    /// <summary>Points of the young-account signal for a token issued at <paramref name="issuedAt"/> (0 when unknown).</summary>
    public double YoungAccountPoints(DateTimeOffset? issuedAt)
    {
        if (issuedAt is not { } iat)
        {
            return 0;
        }

        var young = _options.YoungAccount;
        var age = _time.GetUtcNow() - iat;
        return age <= TimeSpan.Zero ? young.Weight : young.Weight * Math.Max(0, 1 - (age / young.MaxAge));
    }

    private static double Points(int count, SignalLevels levels) => levels.Weight * Ramp(count, levels.Normal, levels.Saturated);

    /// <summary>0 up to <paramref name="normal"/>, 1 from <paramref name="saturated"/>, linear in between.</summary>
    private static double Ramp(double value, double normal, double saturated) => Math.Clamp((value - normal) / (saturated - normal), 0, 1);
}
