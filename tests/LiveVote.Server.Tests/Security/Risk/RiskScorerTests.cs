using System.Net;
using LiveVote.Server.Security.RateLimiting;
using LiveVote.Server.Security.Risk;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LiveVote.Server.Tests.Security.Risk;

/// <summary>The score from each signal alone and together, with the default weights and small, explicit levels.</summary>
public sealed class RiskScorerTests
{
    private const string Poll = "final";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 20, 0, 0, TimeSpan.Zero));

    private static ClientNetwork Client(string address) => ClientNetwork.From(IPAddress.Parse(address));

    private RiskScorer Create(Action<RiskOptions>? configure = null)
    {
        var options = new RiskOptions
        {
            CounterSlots = 4096,
            IpVotes = new SignalLevels { Weight = 10, Normal = 10, Saturated = 20 },
            NetworkVotes = new SignalLevels { Weight = 15, Normal = 20, Saturated = 40 },
            NetworkRegistrations = new SignalLevels { Weight = 15, Normal = 5, Saturated = 10 },
            DeviceBurst = new SignalLevels { Weight = 15, Normal = 10, Saturated = 20 },
            OptionBurst = new OptionBurstLevels { Weight = 40, MinVotes = 10, NormalShare = 0.6, SaturatedShare = 0.95 },
        };
        configure?.Invoke(options);
        return new RiskScorer(Options.Create(options), _time);
    }

    [Fact]
    public void FirstVote_OfAnOldAccount_ScoresZero()
    {
        var scorer = Create();

        var score = scorer.RecordVote(Client("203.0.113.5"), "Mozilla/5.0", "en", Poll, 0, _time.GetUtcNow().AddDays(-1));

        Assert.Equal(0, score.Score);
    }

    [Fact]
    public void YoungAccount_ScoresItsWeightAtBirthAndNothingAfterMaxAge()
    {
        var scorer = Create();

        Assert.Equal(10, scorer.YoungAccountPoints(_time.GetUtcNow()));
        Assert.Equal(5, scorer.YoungAccountPoints(_time.GetUtcNow().AddMinutes(-1)), 3);
        Assert.Equal(0, scorer.YoungAccountPoints(_time.GetUtcNow().AddMinutes(-2)));
        Assert.Equal(0, scorer.YoungAccountPoints(null));
    }

    [Fact]
    public void OneIp_VelocityRampsFromNormalToSaturated()
    {
        var scorer = Create();
        var client = Client("203.0.113.5");
        var scores = Enumerable.Range(0, 25).Select(i => scorer.RecordVote(client, "ua-" + i, "en", "poll-" + i, 0, null)).ToList();

        Assert.Equal(0, scores[9].IpVotes);
        Assert.Equal(5, scores[14].IpVotes, 3);
        Assert.Equal(10, scores[19].IpVotes);
        Assert.Equal(10, scores[24].IpVotes);
    }

    [Fact]
    public void ManyHostsOfOneNetwork_AddUpToNetworkVotes_NotToIpVotes()
    {
        var scorer = Create();
        RiskAssessment last = default;
        for (var i = 1; i <= 40; i++)
        {
            last = scorer.RecordVote(Client($"203.0.113.{i}"), "ua-" + i, "en", "poll-" + i, 0, null);
        }

        Assert.Equal(0, last.IpVotes);
        Assert.Equal(15, last.NetworkVotes);
        Assert.Equal(0, last.DeviceBurst);
        Assert.Equal(0, last.OptionBurst);
    }

    [Fact]
    public void SameUserAgentAndLanguage_InOneNetwork_IsADeviceBurst_ButNotAcrossNetworks()
    {
        var scorer = Create();
        RiskAssessment sameNetwork = default, spread = default;
        for (var i = 1; i <= 20; i++)
        {
            sameNetwork = scorer.RecordVote(Client($"203.0.113.{i}"), "bot/1.0", "en", "poll-" + i, 0, null);
            spread = scorer.RecordVote(Client($"198.51.{i}.1"), "Phone/17.2", "en", "poll-" + i, 0, null);
        }

        Assert.Equal(15, sameNetwork.DeviceBurst);
        Assert.Equal(0, spread.DeviceBurst);
    }

    [Fact]
    public void OneNetworkVotingOneOption_IsAnOptionBurst_WhileAMixedNetworkIsNot()
    {
        var scorer = Create();
        RiskAssessment unanimous = default, mixed = default;
        for (var i = 1; i <= 12; i++)
        {
            unanimous = scorer.RecordVote(Client($"203.0.113.{i}"), "ua-" + i, "en", Poll, 2, null);
            mixed = scorer.RecordVote(Client($"198.51.100.{i}"), "ua-" + i, "en", Poll, i % 3, null);
        }

        Assert.Equal(40, unanimous.OptionBurst);
        Assert.Equal(RiskSignal.OptionBurst, unanimous.MainSignal);
        Assert.Equal(0, mixed.OptionBurst);
    }

    [Fact]
    public void OptionBurst_NeedsMinVotesBeforeItSpeaks()
    {
        var scorer = Create();
        var scores = Enumerable.Range(1, 10).Select(i => scorer.RecordVote(Client($"203.0.113.{i}"), "ua-" + i, "en", Poll, 0, null)).ToList();

        Assert.All(scores.Take(9), s => Assert.Equal(0, s.OptionBurst));
        Assert.Equal(40, scores[9].OptionBurst);
    }

    [Fact]
    public void Registrations_OfTheNetwork_RaiseItsVotesScore()
    {
        var scorer = Create();
        var network = Client("203.0.113.9");
        for (var i = 0; i < 10; i++)
        {
            scorer.RecordRegistration(Client($"203.0.113.{100 + i}"));
        }

        var vote = scorer.RecordVote(network, "ua", "en", Poll, 0, null);
        var elsewhere = scorer.RecordVote(Client("198.51.100.9"), "ua", "en", Poll, 0, null);

        Assert.Equal(10, scorer.RegistrationsOf(network));
        Assert.Equal(15, vote.NetworkRegistrations);
        Assert.Equal(0, elsewhere.NetworkRegistrations);
    }

    [Fact]
    public void Velocity_IsForgottenOnceTheWindowHasPassed()
    {
        var scorer = Create();
        var client = Client("203.0.113.5");
        for (var i = 0; i < 30; i++)
        {
            scorer.RecordVote(client, "ua", "en", Poll, 0, null);
        }

        _time.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal(0, scorer.RecordVote(client, "ua", "en", Poll, 0, null).Score);
    }

    [Fact]
    public void ScriptedFlood_CrossesBothThresholds_WhileEachSignalAloneStaysBelowTheCaptchaThreshold()
    {
        var scorer = Create();
        var defaults = new RiskOptions();
        RiskAssessment last = default;
        for (var i = 0; i < 60; i++)
        {
            last = scorer.RecordVote(Client($"203.0.113.{1 + (i % 3)}"), "bot/1.0", "en", Poll, 0, _time.GetUtcNow());
            last = last with { YoungAccount = scorer.YoungAccountPoints(_time.GetUtcNow()) };
        }

        Assert.True(last.Score >= defaults.BlockThreshold, $"flood scored {last.Score}");
        Assert.All(RiskSignals.All, s => Assert.True(last.Points(s) < defaults.CaptchaThreshold, $"{s} alone gives {last.Points(s)}"));
    }
}
