using System.Net;
using System.Net.Http.Json;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Tests.Security.Captcha;

/// <summary>
/// A hosted CAPTCHA (Turnstile, hCaptcha) plugged in by configuration: its siteverify contract, exercised against a
/// local fake of the endpoint over real HTTP.
/// </summary>
public sealed class HostedCaptchaTests
{
    public static TheoryData<string> Providers() => ["Turnstile", "HCaptcha"];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Register_WithGoodToken_SendsSecretTokenAndClientIpToSiteVerifyAndRegisters(string provider)
    {
        await using var siteVerify = await FakeSiteVerify.StartAsync();
        await using var server = Server(provider, siteVerify);
        var token = FakeSiteVerify.NewGoodToken();

        var response = await AltchaClient.RegisterAsync(server.Client(), token);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var call = Assert.Single(siteVerify.Requests);
        Assert.Equal(FakeSiteVerify.Secret, call["secret"]);
        Assert.Equal(token, call["response"]);
        Assert.Equal("127.0.0.1", call["remoteip"]);
        var viewer = (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.RegisterViewerResponse))!;
        var poll = await Api.CreateOpenPollAsync(server.AdminClient());
        Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(server.Client(), poll.Id, viewer.Token, "a")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Register_WithTokenTheProviderRefuses_IsCaptchaRejected(string provider)
    {
        await using var siteVerify = await FakeSiteVerify.StartAsync();
        await using var server = Server(provider, siteVerify);

        var response = await AltchaClient.RegisterAsync(server.Client(), "bot-made-token");

        await ProblemAssert.IsAsync(response, HttpStatusCode.Forbidden, ErrorCodes.CaptchaRejected);
        Assert.Single(siteVerify.Requests);
    }

    [Fact]
    public async Task Register_WithTokenUsedTwice_IsCaptchaRejectedTheSecondTime()
    {
        await using var siteVerify = await FakeSiteVerify.StartAsync();
        await using var server = Server("Turnstile", siteVerify);
        var token = FakeSiteVerify.NewGoodToken();
        Assert.Equal(HttpStatusCode.Created, (await AltchaClient.RegisterAsync(server.Client(), token)).StatusCode);

        var replay = await AltchaClient.RegisterAsync(server.Client(), token);

        await ProblemAssert.IsAsync(replay, HttpStatusCode.Forbidden, ErrorCodes.CaptchaRejected);
    }

    [Fact]
    public async Task Register_WithWrongSecretConfigured_IsCaptchaRejected()
    {
        await using var siteVerify = await FakeSiteVerify.StartAsync();
        await using var server = Server("Turnstile", siteVerify, secret: "not-the-secret");

        var response = await AltchaClient.RegisterAsync(server.Client(), FakeSiteVerify.NewGoodToken());

        await ProblemAssert.IsAsync(response, HttpStatusCode.Forbidden, ErrorCodes.CaptchaRejected);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.BadRequest, ErrorCodes.CaptchaRequired)]
    [InlineData("", HttpStatusCode.BadRequest, ErrorCodes.CaptchaRequired)]
    public async Task Register_WithoutToken_IsRefusedWithoutCallingSiteVerify(string? token, HttpStatusCode status, string code)
    {
        await using var siteVerify = await FakeSiteVerify.StartAsync();
        await using var server = Server("HCaptcha", siteVerify);

        var response = await AltchaClient.RegisterAsync(server.Client(), token);

        await ProblemAssert.IsAsync(response, status, code);
        Assert.Empty(siteVerify.Requests);
    }

    [Fact]
    public async Task Register_WithOversizedToken_IsCaptchaMalformedWithoutCallingSiteVerify()
    {
        await using var siteVerify = await FakeSiteVerify.StartAsync();
        await using var server = Server("Turnstile", siteVerify);

        var response = await AltchaClient.RegisterAsync(server.Client(), new string('t', 3000) + new string('u', 1200));

        // The body limit (4 KiB) or the token cap refuses it; either way siteverify never sees it.
        await ProblemAssert.IsClientErrorAsync(response);
        Assert.Empty(siteVerify.Requests);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(429)]
    public async Task Register_WhenSiteVerifyFails_IsCaptchaUnavailableWithRetryAfter(int status)
    {
        await using var siteVerify = await FakeSiteVerify.StartAsync();
        await using var server = Server("Turnstile", siteVerify);
        siteVerify.FailWithStatus = status;

        var response = await AltchaClient.RegisterAsync(server.Client(), FakeSiteVerify.NewGoodToken());

        await ProblemAssert.IsAsync(response, HttpStatusCode.ServiceUnavailable, ErrorCodes.CaptchaUnavailable);
        Assert.NotNull(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task Register_WhenSiteVerifyIsUnreachable_IsCaptchaUnavailable()
    {
        await using var siteVerify = await FakeSiteVerify.StartAsync();
        await using var server = Server("Turnstile", siteVerify);
        await siteVerify.StopAsync();

        var response = await AltchaClient.RegisterAsync(server.Client(), FakeSiteVerify.NewGoodToken());

        await ProblemAssert.IsAsync(response, HttpStatusCode.ServiceUnavailable, ErrorCodes.CaptchaUnavailable);
    }

    [Fact]
    public async Task Challenge_WithHostedProvider_IsNotFound()
    {
        await using var siteVerify = await FakeSiteVerify.StartAsync();
        await using var server = Server("Turnstile", siteVerify);

        var response = await server.Client().GetAsync("/v1/captcha/challenge");

        await ProblemAssert.IsAsync(response, HttpStatusCode.NotFound, ErrorCodes.NotFound);
    }

    [Fact]
    public async Task Register_WithAdminKey_NeverCallsSiteVerify()
    {
        await using var siteVerify = await FakeSiteVerify.StartAsync();
        await using var server = Server("Turnstile", siteVerify);

        var response = await server.AdminClient().PostAsync("/v1/viewers", null);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Empty(siteVerify.Requests);
    }

    [Theory]
    [InlineData("no secret", null, "http://127.0.0.1:9/siteverify")]
    [InlineData("plain http to another host", "s", "http://example.com/siteverify")]
    [InlineData("relative url", "s", "/siteverify")]
    public void Server_WithHostedProviderMisconfigured_DoesNotStart(string why, string? secret, string url)
    {
        var settings = new Dictionary<string, string?>
        {
            ["LiveVote:Captcha:Provider"] = "Turnstile",
            ["LiveVote:Captcha:Secret"] = secret,
            ["LiveVote:Captcha:SiteVerifyUrl"] = url,
        };

        var error = Record.Exception(() => new LiveVoteServer(settings).Dispose());

        Assert.True(error is OptionsValidationException, $"{why}: {error}");
    }

    private static LiveVoteServer Server(string provider, FakeSiteVerify siteVerify, string secret = FakeSiteVerify.Secret) => new(new Dictionary<string, string?>
    {
        ["LiveVote:Captcha:Provider"] = provider,
        ["LiveVote:Captcha:Secret"] = secret,
        ["LiveVote:Captcha:SiteVerifyUrl"] = siteVerify.Url.ToString(),
    });
}
