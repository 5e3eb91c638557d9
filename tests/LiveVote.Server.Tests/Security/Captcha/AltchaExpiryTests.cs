using System.Net;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace LiveVote.Server.Tests.Security.Captcha;

/// <summary>Challenges expire: the server's clock is a fake the test moves, so expiry is exact and instant.</summary>
public sealed class AltchaExpiryTests
{
    [Fact]
    public async Task Register_WithChallengeSolvedPastItsExpiry_IsCaptchaExpired()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var settings = AltchaClient.Settings();
        settings["LiveVote:Captcha:ChallengeExpiry"] = "00:02:00";
        await using var server = new LiveVoteServer(settings, services => services.AddSingleton<TimeProvider>(clock));
        var client = server.Client();
        var (stale, _, _) = await AltchaClient.SolvedAsync(client);
        var (fresh, _, _) = await AltchaClient.SolvedAsync(client);

        clock.Advance(TimeSpan.FromMinutes(1));
        var withinExpiry = await AltchaClient.RegisterAsync(client, fresh);
        clock.Advance(TimeSpan.FromMinutes(1));
        var atExpiry = await AltchaClient.RegisterAsync(client, stale);

        Assert.Equal(HttpStatusCode.Created, withinExpiry.StatusCode);
        await ProblemAssert.IsAsync(atExpiry, HttpStatusCode.Forbidden, ErrorCodes.CaptchaExpired);

        // A challenge fetched now is good again: expiry counts from issue.
        var (now, _, _) = await AltchaClient.SolvedAsync(client);
        Assert.Equal(HttpStatusCode.Created, (await AltchaClient.RegisterAsync(client, now)).StatusCode);
    }
}
