using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Security.Captcha;

/// <summary>
/// Public registration with the self-hosted ALTCHA proof of work: a solved challenge registers a viewer whose token
/// votes; every forged, altered, stale or reused solution is refused with its own code and changes nothing.
/// </summary>
public sealed class AltchaRegistrationTests(AltchaServer fixture) : IClassFixture<AltchaServer>
{
    private readonly LiveVoteServer _server = fixture.Server;

    [Fact]
    public async Task Challenge_HasTheAltchaShapeAndOurSignature()
    {
        var response = await _server.Client().GetAsync("/v1/captcha/challenge");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore, "a challenge must not be cached");
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.Equal(["algorithm", "challenge", "maxnumber", "salt", "signature"], json.Select(p => p.Key).Order(StringComparer.Ordinal));
        var challenge = (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.CaptchaChallengeDto))!;
        Assert.Equal("SHA-256", challenge.Algorithm);
        Assert.Equal(2000, challenge.Maxnumber);
        Assert.Matches("^[0-9a-f]{32}\\?expires=[0-9]{10}&$", challenge.Salt);
        Assert.Equal(AltchaClient.Hmac(challenge.Challenge), challenge.Signature);
        Assert.InRange(AltchaClient.Solve(challenge), 0, challenge.Maxnumber);
    }

    [Fact]
    public async Task Challenge_ExpiresAfterTheDefaultFiveMinutes()
    {
        var challenge = await AltchaClient.ChallengeAsync(_server.Client());

        var expires = DateTimeOffset.FromUnixTimeSeconds(long.Parse(challenge.Salt.Split("expires=")[1].TrimEnd('&'), System.Globalization.CultureInfo.InvariantCulture));
        Assert.InRange(expires, DateTimeOffset.UtcNow.AddMinutes(4), DateTimeOffset.UtcNow.AddMinutes(5).AddSeconds(5));
    }

    [Fact]
    public async Task Register_WithSolvedCaptcha_IssuesATokenThatVotes()
    {
        var client = _server.Client();
        var (payload, _, _) = await AltchaClient.SolvedAsync(client);

        var response = await AltchaClient.RegisterAsync(client, payload, "Ann");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var viewer = (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.RegisterViewerResponse))!;
        var vote = await Api.VoteAsync(client, fixture.Poll.Id, viewer.Token, "a");
        Assert.Equal(HttpStatusCode.Created, vote.StatusCode);
    }

    [Theory]
    [InlineData("no body", null)]
    [InlineData("empty object", "{}")]
    [InlineData("captcha null", "{\"captcha\":null}")]
    [InlineData("captcha empty", "{\"captcha\":\"\"}")]
    [InlineData("display name only", "{\"displayName\":\"Ann\"}")]
    public async Task Register_WithoutCaptcha_IsCaptchaRequiredAndChangesNothing(string why, string? body)
    {
        var before = await StoredState.CaptureAsync(_server);
        using var content = body is null ? null : new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        var response = await _server.Client().PostAsync("/v1/viewers", content);

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{why}: got {(int)response.StatusCode}");
        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, ErrorCodes.CaptchaRequired);
        Assert.Equal(before, await StoredState.CaptureAsync(_server));
    }

    public static TheoryData<string, Func<CaptchaChallengeDto, long, string>> MalformedSolutions() => new()
    {
        { "not base64", (_, _) => "%%% not base64 %%%" },
        { "base64 of text", (_, _) => Convert.ToBase64String("hello"u8.ToArray()) },
        { "base64 of a JSON array", (_, _) => AltchaClient.Encode(new JsonArray(1, 2)) },
        { "base64 of truncated JSON", (c, n) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Json(c, n).ToJsonString()[..40])) },
        { "raw JSON, not base64", (c, n) => Json(c, n).ToJsonString() },
        { "number missing", (c, n) => AltchaClient.Encode(Without(Json(c, n), "number")) },
        { "salt missing", (c, n) => AltchaClient.Encode(Without(Json(c, n), "salt")) },
        { "signature missing", (c, n) => AltchaClient.Encode(Without(Json(c, n), "signature")) },
        { "number as a string", (c, n) => AltchaClient.Encode(With(Json(c, n), "number", n.ToString(System.Globalization.CultureInfo.InvariantCulture))) },
        { "number with a fraction", (c, n) => AltchaClient.Encode(With(Json(c, n), "number", n + 0.5)) },
        { "negative number", (c, n) => AltchaClient.Encode(With(Json(c, n), "number", -n - 1)) },
        { "number beyond 64 bits", (c, _) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Json(c, 0).ToJsonString().Replace("\"number\":0", "\"number\":123456789012345678901234567890", StringComparison.Ordinal))) },
        { "other algorithm", (c, n) => AltchaClient.Encode(With(Json(c, n), "algorithm", "SHA-1")) },
        { "challenge in upper case", (c, n) => AltchaClient.Encode(With(Json(c, n), "challenge", c.Challenge.ToUpperInvariant())) },
        { "challenge too short", (c, n) => AltchaClient.Encode(With(Json(c, n), "challenge", c.Challenge[..32])) },
        { "signature not hex", (c, n) => AltchaClient.Encode(With(Json(c, n), "signature", new string('z', 64))) },
        { "salt too long", (c, n) => AltchaClient.Encode(With(Json(c, n), "salt", new string('s', 300) + "?expires=1&")) },
        { "oversized", (_, _) => Convert.ToBase64String(new byte[2000]) },
        { "invalid UTF-8 in a name", (_, _) => Convert.ToBase64String([(byte)'{', (byte)'"', 0xff, 0xfe, (byte)'"', (byte)':', (byte)'1', (byte)'}']) },
        { "invalid UTF-8 in the salt", (c, n) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Json(c, n).ToJsonString()).Select(b => b == (byte)'?' ? (byte)0xff : b).ToArray()) },
    };

    [Theory]
    [MemberData(nameof(MalformedSolutions))]
    public async Task Register_WithMalformedCaptcha_IsCaptchaMalformedAndChangesNothing(string why, Func<CaptchaChallengeDto, long, string> make)
    {
        var client = _server.Client();
        var (_, challenge, number) = await AltchaClient.SolvedAsync(client);
        var before = await StoredState.CaptureAsync(_server);

        var response = await AltchaClient.RegisterAsync(client, make(challenge, number));

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{why}: got {(int)response.StatusCode}");
        await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, ErrorCodes.CaptchaMalformed);
        Assert.Equal(before, await StoredState.CaptureAsync(_server));
    }

    [Fact]
    public async Task Register_WithWrongNumber_IsCaptchaWrongNumber()
    {
        var client = _server.Client();
        var (_, challenge, number) = await AltchaClient.SolvedAsync(client);

        var response = await AltchaClient.RegisterAsync(client, AltchaClient.Payload(challenge, number == 0 ? 1 : number - 1));

        await ProblemAssert.IsAsync(response, HttpStatusCode.Forbidden, ErrorCodes.CaptchaWrongNumber);
    }

    [Fact]
    public async Task Register_WithAlteredSignature_IsCaptchaBadSignature()
    {
        var client = _server.Client();
        var (_, challenge, number) = await AltchaClient.SolvedAsync(client);
        var altered = (challenge.Signature[0] == '0' ? "1" : "0") + challenge.Signature[1..];

        var response = await AltchaClient.RegisterAsync(client, AltchaClient.Payload(challenge.Algorithm, challenge.Challenge, number, challenge.Salt, altered));

        await ProblemAssert.IsAsync(response, HttpStatusCode.Forbidden, ErrorCodes.CaptchaBadSignature);
    }

    [Fact]
    public async Task Register_WithSelfMadeChallenge_IsCaptchaBadSignature()
    {
        // A client that makes its own easy challenge (number 0, far expiry) cannot sign it without our key.
        var salt = "00112233445566778899aabbccddeeff?expires=4102444800&";
        var challenge = AltchaClient.Hash(salt, 0);
        var payload = AltchaClient.Payload("SHA-256", challenge, 0, salt, AltchaClient.Hmac(challenge, "guessed-key-0123456789abcdef0123456789"));

        var response = await AltchaClient.RegisterAsync(_server.Client(), payload);

        await ProblemAssert.IsAsync(response, HttpStatusCode.Forbidden, ErrorCodes.CaptchaBadSignature);
    }

    [Fact]
    public async Task Register_WithReplayedSolution_IsCaptchaReplayed()
    {
        var client = _server.Client();
        var (payload, _, _) = await AltchaClient.SolvedAsync(client);
        Assert.Equal(HttpStatusCode.Created, (await AltchaClient.RegisterAsync(client, payload)).StatusCode);

        var replay = await AltchaClient.RegisterAsync(client, payload);

        await ProblemAssert.IsAsync(replay, HttpStatusCode.Forbidden, ErrorCodes.CaptchaReplayed);
    }

    [Fact]
    public async Task Register_WithOneSolutionSentConcurrently_RegistersExactlyOnce()
    {
        var client = _server.Client();
        var (payload, _, _) = await AltchaClient.SolvedAsync(client);

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => AltchaClient.RegisterAsync(client, payload)));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
        {
            await ProblemAssert.IsAsync(refused, HttpStatusCode.Forbidden, ErrorCodes.CaptchaReplayed);
        }
    }

    [Fact]
    public async Task Register_WithSplicedSalt_IsCaptchaSplicedSalt()
    {
        // Splicing needs a number of two digits or more whose rest is a number as written (no leading zero, as in 105):
        // take challenges until one has it.
        var client = _server.Client();
        var (_, challenge, number) = await AltchaClient.SolvedAsync(client);
        while (number < 10 || number.ToString(System.Globalization.CultureInfo.InvariantCulture)[1] == '0')
        {
            (_, challenge, number) = await AltchaClient.SolvedAsync(client);
        }

        // Move the number's first digit into the salt: salt + number is the same string, so hash and signature hold.
        var digits = number.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var splicedSalt = challenge.Salt + digits[0];
        var splicedNumber = long.Parse(digits[1..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(challenge.Challenge, AltchaClient.Hash(splicedSalt, splicedNumber));
        var payload = AltchaClient.Payload(challenge.Algorithm, challenge.Challenge, splicedNumber, splicedSalt, challenge.Signature);

        var response = await AltchaClient.RegisterAsync(client, payload);

        await ProblemAssert.IsAsync(response, HttpStatusCode.Forbidden, ErrorCodes.CaptchaSplicedSalt);
    }

    [Fact]
    public async Task Register_AfterARefusedAttempt_TheSameChallengeStillWorks()
    {
        // Only an accepted solution is remembered: a typo does not burn the viewer's challenge.
        var client = _server.Client();
        var (payload, challenge, number) = await AltchaClient.SolvedAsync(client);
        await ProblemAssert.IsAsync(await AltchaClient.RegisterAsync(client, AltchaClient.Payload(challenge, number + 1)),
            HttpStatusCode.Forbidden, ErrorCodes.CaptchaWrongNumber);
        await ProblemAssert.IsAsync(await AltchaClient.RegisterAsync(client, payload, new string('n', 65)), HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest);

        var response = await AltchaClient.RegisterAsync(client, payload);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Register_WithAdminKey_NeedsNoCaptcha()
    {
        var response = await _server.AdminClient().PostAsync("/v1/viewers", null);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var viewer = (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.RegisterViewerResponse))!;
        Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(_server.Client(), fixture.Poll.Id, viewer.Token, "b")).StatusCode);
    }

    [Theory]
    [InlineData("wrong-admin-key-0123456789")]
    [InlineData("")]
    public async Task Register_WithWrongAdminKey_IsAdminKeyRequiredEvenWithASolvedCaptcha(string key)
    {
        // A back end with a stale key hears so, instead of silently being treated as a public client.
        var client = _server.Client();
        var (payload, _, _) = await AltchaClient.SolvedAsync(client);
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/viewers")
        {
            Content = JsonContent.Create(new RegisterViewerRequest(null, payload), ContractsJsonContext.Default.RegisterViewerRequest),
        };
        request.Headers.TryAddWithoutValidation("X-Admin-Key", key);

        var response = await client.SendAsync(request);

        await ProblemAssert.IsAsync(response, HttpStatusCode.Unauthorized, ErrorCodes.AdminKeyRequired);
        Assert.Equal(HttpStatusCode.Created, (await AltchaClient.RegisterAsync(client, payload)).StatusCode);
    }

    private static JsonObject Json(CaptchaChallengeDto challenge, long number) => new()
    {
        ["algorithm"] = challenge.Algorithm,
        ["challenge"] = challenge.Challenge,
        ["number"] = number,
        ["salt"] = challenge.Salt,
        ["signature"] = challenge.Signature,
    };

    private static JsonObject Without(JsonObject json, string name)
    {
        json.Remove(name);
        return json;
    }

    private static JsonObject With(JsonObject json, string name, JsonNode? value)
    {
        json[name] = value;
        return json;
    }
}
