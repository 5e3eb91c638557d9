using System.Net;
using System.Text;
using LiveVote.Server.Security;
using LiveVote.Server.Security.Captcha;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LiveVote.Server.Tests.Security.Captcha;

/// <summary>
/// Our ALTCHA implementation against the reference one (npm altcha-lib, see <see cref="AltchaLibVectors"/>): what it
/// accepts we accept, what it refuses we refuse with the documented outcome, and our challenges are computed the same.
/// </summary>
public sealed class AltchaLibCompatibilityTests
{
    private static readonly AltchaLibVectors Lib = AltchaLibVectors.Instance;
    private readonly FakeTimeProvider _clock = new(Lib.Now);

    public static TheoryData<string> AcceptedByAltchaLib() => AltchaLibVectors.Names(accepted: true);

    public static TheoryData<string> RefusedByAltchaLib() => AltchaLibVectors.Names(accepted: false);

    [Theory]
    [MemberData(nameof(AcceptedByAltchaLib))]
    public async Task AltchaLibSolution_IsAcceptedByOurVerifier(string name)
    {
        var vector = Lib.Named(name);

        var outcome = await Verifier().VerifyAsync(vector.Payload, null, CancellationToken.None);

        Assert.Equal(CaptchaOutcome.Passed, outcome);
    }

    [Theory]
    [MemberData(nameof(RefusedByAltchaLib))]
    public async Task AltchaLibRefusal_IsRefusedByOurVerifierWithItsOwnOutcome(string name)
    {
        var vector = Lib.Named(name);

        var outcome = await Verifier().VerifyAsync(vector.Payload, null, CancellationToken.None);

        Assert.Equal(Enum.Parse<CaptchaOutcome>(vector.Expected), outcome);
    }

    [Fact]
    public void Vectors_CoverBothVerdicts()
    {
        // Guards the two theories above against a regenerated file that lost one side.
        Assert.True(AcceptedByAltchaLib().Count >= 3);
        Assert.Equal(["BadSignature", "Expired", "SplicedSalt", "WrongNumber"],
            Lib.Vectors.Where(v => !v.AltchaLibVerified).Select(v => v.Expected).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void OurChallengeAndSignature_MatchAltchaLibForTheSameSaltAndNumber()
    {
        Assert.NotEmpty(Lib.Computed);
        foreach (var expected in Lib.Computed)
        {
            var challenge = Altcha.ChallengeFor(expected.Salt, expected.Number);
            Assert.Equal(expected.Challenge, challenge);
            Assert.Equal(expected.Signature, Altcha.SignatureFor(Encoding.UTF8.GetBytes(Lib.HmacKey), challenge));
        }
    }

    [Fact]
    public async Task OurChallenges_SolveWithTheDocumentedAlgorithm()
    {
        var challenges = new AltchaChallenges(Secrets(), Options.Create(new CaptchaOptions { MaxNumber = 500 }), _clock);
        var verifier = Verifier();
        for (var i = 0; i < 5; i++)
        {
            var challenge = challenges.Create();

            // Solved and checked by the test's own reading of the protocol, not by the server's code.
            var number = AltchaClient.Solve(challenge);
            Assert.Equal(AltchaClient.Hmac(challenge.Challenge, Lib.HmacKey), challenge.Signature);
            Assert.EndsWith("&", challenge.Salt, StringComparison.Ordinal);
            Assert.Equal(CaptchaOutcome.Passed, await verifier.VerifyAsync(AltchaClient.Payload(challenge, number), null, CancellationToken.None));
        }
    }

    [Fact]
    public async Task AltchaLibSolution_RegistersAViewerOverHttp()
    {
        var vector = Lib.Vectors.First(v => v.AltchaLibVerified);
        var settings = AltchaClient.Settings();
        settings["LiveVote:CaptchaHmacKey"] = Lib.HmacKey;
        await using var server = new LiveVoteServer(settings, services => services.AddSingleton<TimeProvider>(_clock));

        var response = await AltchaClient.RegisterAsync(server.Client(), vector.Payload);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task UsedChallenges_WhenFull_RefuseNewOnesUntilOldOnesExpire()
    {
        var used = new InMemoryUsedChallenges(Options.Create(new CaptchaOptions { UsedChallengeCapacity = 2 }), _clock);
        var expires = _clock.GetUtcNow().AddMinutes(1);
        string Challenge(char c) => new(c, 64);

        Assert.Equal(UsedChallengeMark.Marked, await used.TryMarkUsedAsync(Challenge('a'), expires, CancellationToken.None));
        Assert.Equal(UsedChallengeMark.Marked, await used.TryMarkUsedAsync(Challenge('b'), expires, CancellationToken.None));
        Assert.Equal(UsedChallengeMark.Unavailable, await used.TryMarkUsedAsync(Challenge('c'), expires, CancellationToken.None));
        Assert.Equal(UsedChallengeMark.AlreadyUsed, await used.TryMarkUsedAsync(Challenge('a'), expires, CancellationToken.None));

        _clock.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal(UsedChallengeMark.Marked, await used.TryMarkUsedAsync(Challenge('c'), _clock.GetUtcNow().AddMinutes(1), CancellationToken.None));
        Assert.Equal(1, used.Count);
    }

    private AltchaVerifier Verifier() =>
        new(Secrets(), new InMemoryUsedChallenges(Options.Create(new CaptchaOptions()), _clock), _clock);

    private static ServerSecrets Secrets() => ServerSecrets.Load(
        new SecretsOptions
        {
            AdminKey = LiveVoteServer.AdminKey,
            TokenSigningKey = LiveVoteServer.TokenSigningKey,
            VoterKeySecret = LiveVoteServer.VoterKeySecret,
            CaptchaHmacKey = Lib.HmacKey,
        },
        Path.Combine(Path.GetTempPath(), "livevote-unused", "secrets.json"));
}
