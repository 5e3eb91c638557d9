using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.IdentityModel.Logging;

namespace LiveVote.Server.Tests.Security.Tokens;

/// <summary>
/// Tokens of an external OIDC issuer (a broadcaster's own accounts), verified against its JWKS served locally (named
/// directly or found by OIDC discovery): its viewers vote without our registration, under the viewer id
/// <c>issuer|sub</c>; anything not signed by its published keys, or not meant for us, is 401.
/// </summary>
public sealed class ExternalTokenTests(ExternalTokenTests.Fixture fixture) : IClassFixture<ExternalTokenTests.Fixture>
{
    private LocalIssuer Issuer => fixture.Issuer;

    private LiveVoteServer Server => fixture.Server;

    [Fact]
    public async Task Vote_WithIssuersRs256Token_IsAcceptedUnderIssuerQualifiedViewerId()
    {
        var poll = await Api.CreateOpenPollAsync(Server.AdminClient());
        var subject = "f3b1c7e2-5d4a-4c1e-9a7b-2e6d8f0a1b3c";

        var response = await Api.VoteAsync(Server.Client(), poll.Id, Issuer.Rs256(LocalIssuer.Claims(subject)), "a");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var vote = Assert.Single(await Api.AuditAsync(Server.Client(), poll.Id), e => e.Kind == "vote");
        Assert.Equal(TestVoterKeys.FromSqlite(Server.DatabasePath, poll.Id).Hex(LocalIssuer.Issuer + "|" + subject), vote.VoterKey);
    }

    [Fact]
    public async Task Vote_WithIssuersEs256Token_IsAccepted()
    {
        var poll = await Api.CreateOpenPollAsync(Server.AdminClient());

        var response = await Api.VoteAsync(Server.Client(), poll.Id, Issuer.Es256(LocalIssuer.Claims("es256-viewer")), "b");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Vote_WithAudienceArrayContainingOurs_IsAccepted()
    {
        var poll = await Api.CreateOpenPollAsync(Server.AdminClient());
        var claims = LocalIssuer.Claims("multi-audience-viewer", audience: new JsonArray("broadcaster-app", LocalIssuer.Audience));

        var response = await Api.VoteAsync(Server.Client(), poll.Id, Issuer.Rs256(claims), "a");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Vote_SameSubjectTwice_IsOneViewer()
    {
        var poll = await Api.CreateOpenPollAsync(Server.AdminClient());
        Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(Server.Client(), poll.Id, Issuer.Rs256(LocalIssuer.Claims("one-viewer")), "a")).StatusCode);

        // Another token (other key, other algorithm) for the same account is the same viewer.
        var again = await Api.VoteAsync(Server.Client(), poll.Id, Issuer.Es256(LocalIssuer.Claims("one-viewer")), "b");

        await ProblemAssert.IsAsync(again, HttpStatusCode.Conflict, ErrorCodes.AlreadyVoted);
    }

    [Fact]
    public async Task Vote_LongIssuerQualifiedIds_StayDistinctViewers()
    {
        // Both ids share their first 64+ characters (issuer, '|', subject prefix): each must still be its own viewer.
        var poll = await Api.CreateOpenPollAsync(Server.AdminClient());
        var prefix = new string('x', 40);

        var first = await Api.VoteAsync(Server.Client(), poll.Id, Issuer.Rs256(LocalIssuer.Claims(prefix + "-first")), "a");
        var second = await Api.VoteAsync(Server.Client(), poll.Id, Issuer.Rs256(LocalIssuer.Claims(prefix + "-second")), "a");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
    }

    [Fact]
    public async Task Vote_ExternalSubjectEqualToOurViewerId_IsADifferentViewer()
    {
        var poll = await Api.CreateOpenPollAsync(Server.AdminClient());
        var ours = await Api.RegisterAsync(Server.AdminClient());

        var external = await Api.VoteAsync(Server.Client(), poll.Id, Issuer.Rs256(LocalIssuer.Claims(ours.ViewerId)), "a");
        var own = await Api.VoteAsync(Server.Client(), poll.Id, ours.Token, "b");

        Assert.Equal(HttpStatusCode.Created, external.StatusCode);
        Assert.Equal(HttpStatusCode.Created, own.StatusCode);
    }

    public static TheoryData<string, Func<LocalIssuer, string>> RefusedTokens() => new()
    {
        { "RS256 signed by another RSA key, same kid", i => i.Rs256(LocalIssuer.Claims("v"), key: RSA.Create(2048)) },
        { "ES256 signed by another EC key, same kid", i => i.Es256(LocalIssuer.Claims("v"), key: ECDsa.Create(ECCurve.NamedCurves.nistP256)) },
        { "unknown kid", i => i.Rs256(LocalIssuer.Claims("v"), kid: "no-such-key") },
        { "RS256 header naming the EC key", i => i.Rs256(LocalIssuer.Claims("v"), kid: LocalIssuer.EcKid) },
        { "HS256 keyed with the RSA public key", i => LocalIssuer.Sign("HS256", LocalIssuer.RsaKid, LocalIssuer.Claims("v"),
            input => HMACSHA256.HashData(i.RsaKey.ExportParameters(false).Modulus!, input)) },
        { "kid with invalid UTF-8", i => RawHeader([.. "{\"alg\":\"RS256\",\"kid\":\""u8, 0xff, 0xfe, .. "\"}"u8], i.Rs256(LocalIssuer.Claims("v"))) },
        { "alg none", i => LocalIssuer.Sign("none", LocalIssuer.RsaKid, LocalIssuer.Claims("v"), _ => []) },
        { "wrong issuer", i => i.Rs256(LocalIssuer.Claims("v", issuer: "https://evil.example")) },
        { "wrong audience", i => i.Rs256(LocalIssuer.Claims("v", audience: "someone-else")) },
        { "audience array without ours", i => i.Rs256(LocalIssuer.Claims("v", audience: new JsonArray("a", "b"))) },
        { "expired beyond the clock skew", i => i.Rs256(LocalIssuer.Claims("v", expires: DateTimeOffset.UtcNow.AddMinutes(-5))) },
        { "not yet valid", i => i.Rs256(With(LocalIssuer.Claims("v"), "nbf", DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds())) },
        { "no subject", i => i.Rs256(Without(LocalIssuer.Claims("v"), "sub")) },
        { "no expiry", i => i.Rs256(Without(LocalIssuer.Claims("v"), "exp")) },
        { "payload changed after signing", i => ChangePayload(i.Rs256(LocalIssuer.Claims("v")), "\"sub\":\"v\"", "\"sub\":\"w\"") },
        { "signature changed", i => TestTokens.WithFlippedSignature(i.Rs256(LocalIssuer.Claims("v"))) },
    };

    [Theory]
    [MemberData(nameof(RefusedTokens))]
    public async Task Vote_WithBadExternalToken_IsUnauthorized(string why, Func<LocalIssuer, string> make)
    {
        var poll = await Api.CreateOpenPollAsync(Server.AdminClient());

        var response = await Api.VoteAsync(Server.Client(), poll.Id, make(Issuer), "a");

        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{why}: got {(int)response.StatusCode}");
        await ProblemAssert.IsAsync(response, HttpStatusCode.Unauthorized, ErrorCodes.Unauthorized);
        Assert.DoesNotContain(await Api.AuditAsync(Server.Client(), poll.Id), e => e.Kind == "vote");
    }

    [Fact]
    public async Task Vote_SignedWithAKeyPublishedUnfitForIt_IsUnauthorized()
    {
        // Each key below is in the JWKS, but not as an RS256/ES256 signing key: a token it signs must not be honoured.
        await using var issuer = await LocalIssuer.StartAsync();
        using var small = RSA.Create(1024);
        using var encryption = RSA.Create(2048);
        using var pss = RSA.Create(2048);
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var forEncryption = LocalIssuer.RsaJwk(encryption, "rsa-enc");
        forEncryption["use"] = "enc";
        var forPs256 = LocalIssuer.RsaJwk(pss, "rsa-ps256");
        forPs256["alg"] = "PS256";
        var onP384 = LocalIssuer.EcJwk(p384, "ec-p384");
        onP384["crv"] = "P-384";
        issuer.Publish(LocalIssuer.RsaJwk(issuer.RsaKey, LocalIssuer.RsaKid), LocalIssuer.RsaJwk(small, "rsa-1024"), forEncryption, forPs256, onP384);
        await using var server = new LiveVoteServer(issuer.Settings());
        var poll = await Api.CreateOpenPollAsync(server.AdminClient());

        var unfit = new Dictionary<string, string>
        {
            ["1024-bit RSA"] = issuer.Rs256(LocalIssuer.Claims("v1"), key: small, kid: "rsa-1024"),
            ["RSA for encryption"] = issuer.Rs256(LocalIssuer.Claims("v2"), key: encryption, kid: "rsa-enc"),
            ["RSA published for PS256"] = issuer.Rs256(LocalIssuer.Claims("v3"), key: pss, kid: "rsa-ps256"),
            ["EC on P-384"] = issuer.Es256(LocalIssuer.Claims("v4"), key: p384, kid: "ec-p384"),
        };
        foreach (var (why, token) in unfit)
        {
            var response = await Api.VoteAsync(server.Client(), poll.Id, token, "a");
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{why}: got {(int)response.StatusCode}");
        }

        // The same document's fit key works: it was loaded, the others were left out.
        Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(server.Client(), poll.Id, issuer.Rs256(LocalIssuer.Claims("fit")), "a")).StatusCode);
    }

    [Fact]
    public async Task Vote_WithOurOwnToken_StillWorksWithAnExternalIssuerConfigured()
    {
        var poll = await Api.CreateOpenPollAsync(Server.AdminClient());
        var viewer = await Api.RegisterAsync(Server.AdminClient());

        Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(Server.Client(), poll.Id, viewer.Token, "a")).StatusCode);
    }

    [Fact]
    public async Task Vote_WithKeyTheIssuerPublishesLater_IsAcceptedOnceTheJwksIsFetchedAgain()
    {
        // The issuer rotates: a token names a key the server has not seen; it asks for the JWKS early and then accepts.
        await using var issuer = await LocalIssuer.StartAsync();
        await using var server = new LiveVoteServer(issuer.Settings(minRefreshInterval: "00:00:00.200"));
        var poll = await Api.CreateOpenPollAsync(server.AdminClient());
        using var newKey = RSA.Create(2048);
        var token = issuer.Rs256(LocalIssuer.Claims("rotated-viewer"), key: newKey, kid: "rsa-key-2");
        await ProblemAssert.IsAsync(await Api.VoteAsync(server.Client(), poll.Id, token, "a"), HttpStatusCode.Unauthorized, ErrorCodes.Unauthorized);

        issuer.Publish(LocalIssuer.RsaJwk(issuer.RsaKey, LocalIssuer.RsaKid), LocalIssuer.RsaJwk(newKey, "rsa-key-2"));
        HttpStatusCode status;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        do
        {
            await Task.Delay(100);
            status = (await Api.VoteAsync(server.Client(), poll.Id, token, "a")).StatusCode;
        }
        while (status == HttpStatusCode.Unauthorized && DateTime.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.True(issuer.Fetches >= 2, $"JWKS fetched {issuer.Fetches} time(s)");
    }

    [Fact]
    public async Task Vote_WithKeyTheIssuerRetired_IsUnauthorizedAfterTheNextFetch()
    {
        await using var issuer = await LocalIssuer.StartAsync();
        await using var server = new LiveVoteServer(issuer.Settings(minRefreshInterval: "00:00:00.200"));
        var poll = await Api.CreateOpenPollAsync(server.AdminClient());
        Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(server.Client(), poll.Id, issuer.Es256(LocalIssuer.Claims("before-retirement")), "a")).StatusCode);

        // The EC key leaves the JWKS; a token naming an unknown kid triggers the early fetch that notices.
        issuer.Publish(LocalIssuer.RsaJwk(issuer.RsaKey, LocalIssuer.RsaKid));
        await Api.VoteAsync(server.Client(), poll.Id, issuer.Rs256(LocalIssuer.Claims("trigger"), kid: "unknown-kid"), "a");
        HttpStatusCode status;
        var attempt = 0;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        do
        {
            // A new viewer each time: until the fetch lands, each is accepted (not refused as a second vote).
            await Task.Delay(100);
            var claims = LocalIssuer.Claims("after-retirement-" + attempt++);
            status = (await Api.VoteAsync(server.Client(), poll.Id, issuer.Es256(claims), "a")).StatusCode;
        }
        while (status == HttpStatusCode.Created && DateTime.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    [Theory]
    [InlineData(LocalIssuer.KeySource.MetadataAddress)]
    [InlineData(LocalIssuer.KeySource.Authority)]
    public async Task Vote_WithKeysFoundByOidcDiscovery_IsAccepted(LocalIssuer.KeySource source)
    {
        await using var issuer = await LocalIssuer.StartAsync();
        await using var server = new LiveVoteServer(issuer.Settings(source: source));
        var poll = await Api.CreateOpenPollAsync(server.AdminClient());

        var rs256 = await Api.VoteAsync(server.Client(), poll.Id, issuer.Rs256(LocalIssuer.Claims("discovered-rs256")), "a");
        var es256 = await Api.VoteAsync(server.Client(), poll.Id, issuer.Es256(LocalIssuer.Claims("discovered-es256")), "b");
        var forged = await Api.VoteAsync(server.Client(), poll.Id, issuer.Rs256(LocalIssuer.Claims("forged"), key: RSA.Create(2048)), "a");

        Assert.Equal(HttpStatusCode.Created, rs256.StatusCode);
        Assert.Equal(HttpStatusCode.Created, es256.StatusCode);
        await ProblemAssert.IsAsync(forged, HttpStatusCode.Unauthorized, ErrorCodes.Unauthorized);
        Assert.True(issuer.DiscoveryFetches >= 1, $"discovery document fetched {issuer.DiscoveryFetches} time(s)");
    }

    [Fact]
    public async Task Vote_WhenDiscoveryNamesAPlainHttpJwksOnAnotherHost_IsUnauthorized()
    {
        // The discovery document is ours to fetch (loopback), but the JWKS it names is plain http elsewhere: never fetched.
        await using var issuer = await LocalIssuer.StartAsync();
        issuer.DiscoveredJwksUri = "http://idp.example/jwks";
        await using var server = new LiveVoteServer(issuer.Settings(source: LocalIssuer.KeySource.MetadataAddress));
        var poll = await Api.CreateOpenPollAsync(server.AdminClient());

        var response = await Api.VoteAsync(server.Client(), poll.Id, issuer.Rs256(LocalIssuer.Claims("v")), "a");

        await ProblemAssert.IsAsync(response, HttpStatusCode.Unauthorized, ErrorCodes.Unauthorized);
        Assert.True(issuer.DiscoveryFetches >= 1, $"discovery document fetched {issuer.DiscoveryFetches} time(s)");
        Assert.Equal(0, issuer.Fetches);
    }

    [Fact]
    public async Task Vote_WhileTheIssuerDoesNotAnswer_IsCheckedAgainstTheKeysAlreadyLoaded()
    {
        await using var issuer = await LocalIssuer.StartAsync();
        var settings = issuer.Settings(minRefreshInterval: "00:00:00.200");
        settings["LiveVote:Tokens:External:FetchTimeout"] = "00:05:00";
        await using var server = new LiveVoteServer(settings);
        var poll = await Api.CreateOpenPollAsync(server.AdminClient());
        issuer.Hang();

        // A token naming an unknown key asks for a fetch, which the issuer now holds unanswered.
        await ProblemAssert.IsAsync(await Api.VoteAsync(server.Client(), poll.Id, issuer.Rs256(LocalIssuer.Claims("v"), kid: "unknown-kid"), "a"),
            HttpStatusCode.Unauthorized, ErrorCodes.Unauthorized);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (issuer.HangingFetches == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(1, issuer.HangingFetches);
        var rs256 = await Api.VoteAsync(server.Client(), poll.Id, issuer.Rs256(LocalIssuer.Claims("while-hanging")), "a");
        var es256 = await Api.VoteAsync(server.Client(), poll.Id, issuer.Es256(LocalIssuer.Claims("while-hanging-too")), "b");

        // Both answered while the fetch was still waiting: the votes did not wait for it.
        Assert.Equal(1, issuer.HangingFetches);
        Assert.Equal(HttpStatusCode.Created, rs256.StatusCode);
        Assert.Equal(HttpStatusCode.Created, es256.StatusCode);
        issuer.Answer();
    }

    [Fact]
    public async Task Server_WithAnExternalIssuer_KeepsTheLibraryFromLoggingPersonalData()
    {
        await using var issuer = await LocalIssuer.StartAsync();
        IdentityModelEventSource.ShowPII = true;
        IdentityModelEventSource.LogCompleteSecurityArtifact = true;

        await using var server = new LiveVoteServer(issuer.Settings());

        Assert.False(IdentityModelEventSource.ShowPII);
        Assert.False(IdentityModelEventSource.LogCompleteSecurityArtifact);
    }

    [Theory]
    [InlineData("no issuer", null, "livevote", "http://127.0.0.1:9/jwks")]
    [InlineData("no audience", "https://idp.test", null, "http://127.0.0.1:9/jwks")]
    [InlineData("plain http to another host", "https://idp.test", "livevote", "http://idp.example/jwks")]
    public void Server_WithExternalIssuerMisconfigured_DoesNotStart(string why, string? issuer, string? audience, string jwksUrl)
    {
        var settings = new Dictionary<string, string?>
        {
            ["LiveVote:Tokens:External:Issuer"] = issuer,
            ["LiveVote:Tokens:External:Audience"] = audience,
            ["LiveVote:Tokens:External:JwksUrl"] = jwksUrl,
        };

        var error = Record.Exception(() => new LiveVoteServer(settings).Dispose());

        Assert.True(error is Microsoft.Extensions.Options.OptionsValidationException, $"{why}: {error}");
    }

    [Theory]
    [InlineData("JwksUrl and Authority both", "JwksUrl", "https://idp.test/jwks", "Authority", "https://idp.test")]
    [InlineData("MetadataAddress and Authority both", "MetadataAddress", "https://idp.test/.well-known/openid-configuration", "Authority", "https://idp.test")]
    [InlineData("plain http authority on another host", "Authority", "http://idp.example", null, null)]
    [InlineData("plain http metadata on another host", "MetadataAddress", "http://idp.example/.well-known/openid-configuration", null, null)]
    [InlineData("authority not a URL", "Authority", "idp.test", null, null)]
    public void Server_WithExternalKeySourceMisconfigured_DoesNotStart(string why, string key, string value, string? otherKey, string? otherValue)
    {
        var settings = new Dictionary<string, string?>
        {
            ["LiveVote:Tokens:External:Issuer"] = "https://idp.test",
            ["LiveVote:Tokens:External:Audience"] = "livevote",
            ["LiveVote:Tokens:External:" + key] = value,
        };
        if (otherKey is not null)
        {
            settings["LiveVote:Tokens:External:" + otherKey] = otherValue;
        }

        var error = Record.Exception(() => new LiveVoteServer(settings).Dispose());

        Assert.True(error is Microsoft.Extensions.Options.OptionsValidationException, $"{why}: {error}");
    }

    private static JsonObject With(JsonObject json, string name, long value)
    {
        json[name] = value;
        return json;
    }

    private static JsonObject Without(JsonObject json, string name)
    {
        json.Remove(name);
        return json;
    }

    /// <summary>The token with its header replaced by these exact bytes.</summary>
    private static string RawHeader(byte[] header, string token) =>
        System.Buffers.Text.Base64Url.EncodeToString(header) + token[token.IndexOf('.', StringComparison.Ordinal)..];

    private static string ChangePayload(string token, string from, string to)
    {
        var parts = token.Split('.');
        var payload = Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(parts[1])).Replace(from, to, StringComparison.Ordinal);
        return parts[0] + "." + System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload)) + "." + parts[2];
    }

    public sealed class Fixture : IAsyncLifetime
    {
        public LocalIssuer Issuer { get; private set; } = null!;

        public LiveVoteServer Server { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Issuer = await LocalIssuer.StartAsync();
            Server = new LiveVoteServer(Issuer.Settings());
        }

        public async Task DisposeAsync()
        {
            await Server.DisposeAsync();
            await Issuer.DisposeAsync();
        }
    }
}
