using System.Net;
using System.Net.Http.Json;
using LiveVote.Contracts;
using LiveVote.Server.Audit.Signing;
using LiveVote.Server.Hosting;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace LiveVote.Server.Tests.Audit.Signing;

public sealed class AuditKeysEndpointTests
{
    // RFC 8032 section 7.1, test 1: an Ed25519 seed and the public key every implementation derives from it.
    private const string Rfc8032Seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    private const string Rfc8032PublicKey = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

    [Fact]
    public async Task WellKnownKeys_PublishTheConfiguredKey_AndItVerifiesWhatTheNodeSigns()
    {
        await using var server = new LiveVoteServer(new()
        {
            ["LiveVote:Audit:SigningKey"] = Convert.ToBase64String(Convert.FromHexString(Rfc8032Seed)),
            ["LiveVote:Audit:Origin"] = "votes.example.com",
        });
        var response = await server.Client().GetAsync(AuditKeysEndpoint.Path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("public, max-age=60", response.Headers.CacheControl?.ToString());
        var keys = (await response.Content.ReadFromJsonAsync<AuditKeysDto>())!;

        Assert.Equal("votes.example.com", keys.Origin);
        var key = Assert.Single(keys.Keys);
        Assert.True(key.Active);
        Assert.Equal("votes.example.com", key.Name);
        Assert.Equal(Rfc8032PublicKey, Convert.ToHexStringLower(Convert.FromBase64String(key.PublicKey)));
        Assert.StartsWith($"votes.example.com+{key.KeyId}+", key.VerifierKey, StringComparison.Ordinal);

        var note = server.Services.GetRequiredService<AuditSigner>().SignNote("votes.example.com/poll/p-1/0.0\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\ntime 1\n");
        Assert.True(SignedNotes.TryVerify(note, key.VerifierKey, out _));
    }

    [Fact]
    public async Task RotatedOutKeys_ArePublishedAfterTheActiveOne()
    {
        const string old = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
        await using var server = new LiveVoteServer(new() { ["LiveVote:Audit:PreviousPublicKeys:0"] = old });
        var keys = (await server.Client().GetFromJsonAsync<AuditKeysDto>(AuditKeysEndpoint.Path))!;
        Assert.Equal(2, keys.Keys.Count);
        Assert.True(keys.Keys[0].Active);
        Assert.Equal(new AuditKeyDto("PeterNeumann", "c74f20a3", "GlzZBxQ8OExB6DDFvOEqqIF+xWSaqr8sMTiLNbLXRNY=", old, false), keys.Keys[1]);
    }

    [Fact]
    public async Task WithoutAConfiguredKey_TheEmbeddedNodeGeneratesOne_AndKeepsItAcrossRestarts()
    {
        var directory = TempDirectory.Create("livevote-audit-key");
        try
        {
            string first;
            await using (var server = new LiveVoteServer(new() { ["LiveVote:Audit:SigningKey"] = "" }, dataDirectory: directory))
            {
                first = (await server.Client().GetFromJsonAsync<AuditKeysDto>(AuditKeysEndpoint.Path))!.Keys[0].VerifierKey;
            }

            Assert.Contains("auditSigningKey", await File.ReadAllTextAsync(Path.Combine(directory, "secrets.json")), StringComparison.Ordinal);
            await using (var again = new LiveVoteServer(new() { ["LiveVote:Audit:SigningKey"] = "" }, dataDirectory: directory))
            {
                Assert.Equal(first, (await again.Client().GetFromJsonAsync<AuditKeysDto>(AuditKeysEndpoint.Path))!.Keys[0].VerifierKey);
            }

            Assert.DoesNotContain(first.Split('+')[2], await File.ReadAllTextAsync(Path.Combine(directory, "livevote.db")), StringComparison.Ordinal);
        }
        finally
        {
            TempDirectory.Delete(directory);
        }
    }

    [Theory]
    [InlineData("LiveVote:Audit:SigningKey", "not-base64-of-32-bytes")]
    [InlineData("LiveVote:Audit:PreviousPublicKeys:0", "PeterNeumann+00000000+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")]
    public void BadKeyConfiguration_StopsTheServerNamingTheKey(string key, string value)
    {
        var error = Assert.ThrowsAny<Exception>(() => new LiveVoteServer(new() { [key] = value }).Services.GetRequiredService<AuditSigner>());
        var bad = error as BadConfigurationException ?? error.InnerException as BadConfigurationException ?? error.GetBaseException() as BadConfigurationException;
        Assert.NotNull(bad);
        Assert.Contains(key, bad.Message, StringComparison.Ordinal);
    }
}
