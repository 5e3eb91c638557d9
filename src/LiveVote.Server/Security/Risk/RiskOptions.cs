using System.ComponentModel.DataAnnotations;

namespace LiveVote.Server.Security.Risk;

/// <summary>
/// Configuration section <c>LiveVote:Risk</c>: the risk score of each vote and what it leads to.
/// <para>
/// Each signal counts something in a sliding window and turns the count into points: none up to <c>Normal</c>, all of
/// its <c>Weight</c> from <c>Saturated</c> on, linearly in between. The score is the sum (0 to the sum of the weights,
/// 105 by default). From <see cref="CaptchaThreshold"/> a vote needs a fresh CAPTCHA (428); from
/// <see cref="BlockThreshold"/> it is refused (403). The defaults are chosen so that no single signal reaches the
/// CAPTCHA threshold on its own (a big NAT crowd, a new app version with one user agent, a popular option are all
/// normal), while a scripted flood lights up several at once: young accounts, one user agent, one network, one option.
/// </para>
/// </summary>
public sealed class RiskOptions : IValidatableObject
{
    public const string Section = "LiveVote:Risk";

    public bool Enabled { get; set; } = true;

    /// <summary>Score from which a vote needs a fresh CAPTCHA: 50, i.e. at least two strong signals together.</summary>
    [Range(1, 1000)]
    public double CaptchaThreshold { get; set; } = 50;

    /// <summary>Score from which a vote is refused outright: 80, i.e. nearly every signal at once.</summary>
    [Range(1, 1000)]
    public double BlockThreshold { get; set; } = 80;

    /// <summary>The sliding window of the velocity signals: one minute, the time a poll is typically open on air.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The shorter window of <see cref="DeviceBurst"/>: ten seconds, what a script needs for a burst.</summary>
    public TimeSpan BurstWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Slots per counter table (a power of two). 65,536 slots of 40 bytes is 2.5 MiB a table, six tables. When a set
    /// is full, the key with the smallest count is evicted: quiet keys lose their small counts, a flood keeps its slot.
    /// </summary>
    [Range(1024, 1 << 24)]
    public int CounterSlots { get; set; } = 65_536;

    /// <summary>
    /// A repeated decision for the same voter, poll and action is written to the audit trail once per this window (ten
    /// minutes; metrics count every one), so a bot retrying cannot grow the trail without bound.
    /// </summary>
    public TimeSpan NoteRepeatWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Votes per IPv4 address (IPv6 /64) per window: a NAT address carries hundreds of honest votes a minute.</summary>
    public SignalLevels IpVotes { get; set; } = new() { Weight = 10, Normal = 300, Saturated = 3_000 };

    /// <summary>Votes per IPv4 /24 (IPv6 /48) per window: a carrier's NAT pool carries thousands.</summary>
    public SignalLevels NetworkVotes { get; set; } = new() { Weight = 15, Normal = 1_000, Saturated = 10_000 };

    /// <summary>Public registrations per /24 (/48) per window: sign-ups come in waves at show start, but not in tens of thousands.</summary>
    public SignalLevels NetworkRegistrations { get; set; } = new() { Weight = 15, Normal = 300, Saturated = 3_000 };

    /// <summary>
    /// Votes from one device fingerprint (user agent + Accept-Language) within one /24 (/48) per burst window. An app
    /// release makes millions of phones send the same user agent, so the count is per network and short-windowed.
    /// </summary>
    public SignalLevels DeviceBurst { get; set; } = new() { Weight = 15, Normal = 100, Saturated = 1_000 };

    /// <summary>One option's share of a network's votes in a poll (per window), once the network cast <c>MinVotes</c>.</summary>
    public OptionBurstLevels OptionBurst { get; set; } = new();

    /// <summary>Votes from tokens issued moments ago: honest viewers register and vote at once too, so it weighs little alone.</summary>
    public YoungAccountLevels YoungAccount { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (BlockThreshold < CaptchaThreshold)
        {
            yield return new ValidationResult($"{Section}: BlockThreshold must be at least CaptchaThreshold.", [nameof(BlockThreshold)]);
        }

        if (Window <= TimeSpan.Zero || BurstWindow <= TimeSpan.Zero || NoteRepeatWindow <= TimeSpan.Zero || Window > TimeSpan.FromHours(1) ||
            BurstWindow > TimeSpan.FromHours(1))
        {
            yield return new ValidationResult($"{Section}: Window and BurstWindow must be positive and at most an hour, NoteRepeatWindow positive.",
                [nameof(Window), nameof(BurstWindow)]);
        }

        if (!int.IsPow2(CounterSlots))
        {
            yield return new ValidationResult($"{Section}: CounterSlots must be a power of two.", [nameof(CounterSlots)]);
        }

        foreach (var (name, levels) in new[]
                 {
                     (nameof(IpVotes), IpVotes), (nameof(NetworkVotes), NetworkVotes), (nameof(NetworkRegistrations), NetworkRegistrations),
                     (nameof(DeviceBurst), DeviceBurst),
                 })
        {
            if (levels.Weight < 0 || levels.Normal < 0 || levels.Saturated <= levels.Normal)
            {
                yield return new ValidationResult($"{Section}:{name}: Weight must be >= 0 and 0 <= Normal < Saturated.", [name]);
            }
        }

        if (OptionBurst.Weight < 0 || OptionBurst.MinVotes < 1 || OptionBurst.NormalShare is < 0 or > 1 || OptionBurst.SaturatedShare is < 0 or > 1 ||
            OptionBurst.SaturatedShare <= OptionBurst.NormalShare)
        {
            yield return new ValidationResult($"{Section}:OptionBurst: Weight >= 0, MinVotes >= 1 and 0 <= NormalShare < SaturatedShare <= 1.",
                [nameof(OptionBurst)]);
        }

        if (YoungAccount.Weight < 0 || YoungAccount.MaxAge <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"{Section}:YoungAccount: Weight >= 0 and a positive MaxAge.", [nameof(YoungAccount)]);
        }
    }
}

/// <summary>A count signal: no points up to <see cref="Normal"/>, <see cref="Weight"/> points from <see cref="Saturated"/>.</summary>
public sealed class SignalLevels
{
    public double Weight { get; set; }

    public double Normal { get; set; }

    public double Saturated { get; set; }
}

/// <summary>
/// One option's share of a network's votes in a poll. Points start above <see cref="NormalShare"/> (0.6: a favourite
/// can take 60% anywhere) and are full at <see cref="SaturatedShare"/> (0.95: a real crowd is never that unanimous),
/// once the network cast <see cref="MinVotes"/> votes in the window (50: too few votes say nothing about a share).
/// The heaviest signal (40): a flood for one option is what decides a show.
/// </summary>
public sealed class OptionBurstLevels
{
    public double Weight { get; set; } = 40;

    public int MinVotes { get; set; } = 50;

    public double NormalShare { get; set; } = 0.6;

    public double SaturatedShare { get; set; } = 0.95;
}

/// <summary>
/// A token issued less than <see cref="MaxAge"/> ago (two minutes) earns up to <see cref="Weight"/> points (10), fewer as
/// it ages. Scripts mint accounts and vote at once; honest viewers do too, hence the small weight.
/// </summary>
public sealed class YoungAccountLevels
{
    public double Weight { get; set; } = 10;

    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(2);
}
