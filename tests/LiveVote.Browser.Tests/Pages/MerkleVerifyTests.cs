using System.Reflection;
using System.Text.Json;
using LiveVote.Browser.Tests.Infrastructure;
using Microsoft.Playwright;

namespace LiveVote.Browser.Tests.Pages;

/// <summary>
/// The receipt checker of /verify (wwwroot/js/merkle-verify.js) on its own, in Chromium with WebCrypto, against
/// published vectors: the RFC 6962/9162 reference tree and every inclusion and consistency vector of
/// transparency-dev/merkle (Vectors/, copied from commit 417fb0c, Apache-2.0), the Go sumdb/note example note
/// (C2SP signed-note, Ed25519), and audit entries as this server writes them.
/// </summary>
public sealed class MerkleVerifyTests(BrowserFixture browser) : PageTestBase(browser)
{
    private const string Module = "const m = await import('/js/merkle-verify.js');";

    private static string VectorFile(string name)
    {
        var root = typeof(MerkleVerifyTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;
        return File.ReadAllText(Path.Combine(root, "tests", "LiveVote.Browser.Tests", "Vectors", name));
    }

    private async Task<(BrowserPage Session, IPage Page)> ModulePageAsync()
    {
        var session = await OpenPageAsync();
        await session.Page.GotoAsync("/verify");
        await Expect(session.Page.GetByRole(AriaRole.Heading, new() { Name = "Check your receipt" })).ToBeVisibleAsync();
        return (session, session.Page);
    }

    [Fact]
    public async Task TreeHash_OfTheReferenceLeaves_GivesTheReferenceRootAtEverySize()
    {
        // transparency-dev/merkle testonly/constants.go: LeafInputs and RootHashes (the tree of RFC 6962's test vectors).
        string[] leaves = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];
        string[] roots =
        [
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ];
        var (session, page) = await ModulePageAsync();
        await using var _ = session;

        var computed = await page.EvaluateAsync<string[]>($$"""
            async (leaves) => {
              {{Module}}
              const hashes = await Promise.all(leaves.map((hex) => m.leafHash(m.hexToBytes(hex))));
              const roots = [];
              for (let n = 0; n <= hashes.length; n++) roots.push(m.bytesToHex(await m.treeHash(hashes.slice(0, n))));
              return roots;
            }
            """, leaves);

        Assert.Equal(roots, computed);
        session.AssertNoErrors();
    }

    [Theory]
    [InlineData("transparency-dev-inclusion.json", 98)]
    [InlineData("transparency-dev-consistency.json", 98)]
    public async Task EveryTransparencyDevVector_IsAcceptedOrRejectedAsPublished(string file, int count)
    {
        var vectors = VectorFile(file);
        var (session, page) = await ModulePageAsync();
        await using var _ = session;

        var outcomes = await page.EvaluateAsync<JsonElement>($$"""
            async (json) => {
              {{Module}}
              const vectors = JSON.parse(json);
              const b = (text) => m.base64ToBytes(text ?? '');
              const out = [];
              for (const v of vectors) {
                const proof = (v.proof ?? []).map(b);
                const ok = 'leafIdx' in v
                  ? await m.verifyInclusion(v.leafIdx, v.treeSize, b(v.leafHash), proof, b(v.root))
                  : await m.verifyConsistency(v.size1, v.size2, b(v.root1), b(v.root2), proof);
                out.push({ file: v.file, want: !v.wantErr, ok });
              }
              return out;
            }
            """, vectors);

        var results = outcomes.EnumerateArray().Select(o => (File: o.GetProperty("file").GetString()!, Want: o.GetProperty("want").GetBoolean(), Ok: o.GetProperty("ok").GetBoolean())).ToList();
        Assert.Equal(count, results.Count);
        Assert.Contains(results, r => r.Want);
        Assert.Empty(results.Where(r => r.Want != r.Ok).Select(r => $"{r.File}: expected {(r.Want ? "valid" : "invalid")}"));
        session.AssertNoErrors();
    }

    [Fact]
    public async Task SignedNote_TheGoSumdbExample_VerifiesWithItsKeyAndNotWithAnotherOrWhenChanged()
    {
        // golang.org/x/mod/sumdb/note (note_test.go, ExampleOpen), the reference of C2SP signed-note.
        const string peter = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
        const string enoch = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
        const string text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
        const string note = text + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
        var (session, page) = await ModulePageAsync();
        await using var _ = session;

        var result = await page.EvaluateAsync<JsonElement>($$"""
            async ([peter, enoch, note]) => {
              {{Module}}
              const key = await m.parseVerifierKey(peter);
              const other = await m.parseVerifierKey(enoch);
              const reason = async (text, keys) => { try { await m.verifyNote(text, keys); return 'verified'; } catch (e) { return `${e.step}: ${e.message}`; } };
              // Same name and key id, another public key: what a forged key list would publish.
              const impostor = { name: key.name, keyId: key.keyId, publicKey: other.publicKey };
              const published = await m.publishedKeys({ keys: [{ name: key.name, keyId: 'c74f20a3', publicKey: m.bytesToBase64(other.publicKey) }] });
              return {
                keyId: m.keyIdHex(key.keyId),
                body: (await m.verifyNote(note, [key])).body,
                otherKey: await reason(note, [other]),
                impostor: await reason(note, [impostor]),
                changed: await reason(note.replace('cryptography', 'blockchain'), [key]),
                wrongIdPublished: published.length,
                badId: await m.parseVerifierKey(peter.replace('c74f20a3', 'c74f20a4')).then(() => 'accepted', (e) => e.step),
              };
            }
            """, new[] { peter, enoch, note });

        Assert.Equal("c74f20a3", result.GetProperty("keyId").GetString());
        Assert.Equal(text, result.GetProperty("body").GetString());
        Assert.StartsWith("signature: The checkpoint is not signed by any published key", result.GetProperty("otherKey").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("signature: The signature on the checkpoint is not valid", result.GetProperty("impostor").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("signature: The signature on the checkpoint is not valid", result.GetProperty("changed").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, result.GetProperty("wrongIdPublished").GetInt32());
        Assert.Equal("key", result.GetProperty("badId").GetString());
        session.AssertNoErrors();
    }

    [Fact]
    public async Task EntryHash_RecomputedFromTheServersAuditEntries_EqualsEveryHash()
    {
        // A title and an answer outside ASCII: the canonical form is UTF-8, and the poll definition is in the data.
        var poll = await CreatePollAsync("Crème brûlée or 🍰?", ("creme", "Crème brûlée"), ("cake", "Cake 🍰"));
        await OpenPollAsync(poll.Id);
        await CastVoteAsync(poll.Id, "creme");
        await CastVoteAsync(poll.Id, "cake");
        var (session, page) = await ModulePageAsync();
        await using var _ = session;

        var result = await page.EvaluateAsync<JsonElement>($$"""
            async (pollId) => {
              {{Module}}
              const { entries } = await (await fetch(`/v1/polls/${pollId}/audit`)).json();
              const mismatched = [];
              for (const e of entries) if (m.bytesToHex(await m.entryHash(e)) !== e.hash) mismatched.push(e.seq);
              const vote = entries.find((e) => e.kind === 'vote');
              const changed = m.bytesToHex(await m.entryHash({ ...vote, optionId: vote.optionId === 'cake' ? 'creme' : 'cake' }));
              return { kinds: entries.map((e) => e.kind), mismatched, changedMatches: changed === vote.hash };
            }
            """, poll.Id);

        Assert.Equal(["poll-created", "poll-opened", "vote", "vote"], result.GetProperty("kinds").EnumerateArray().Select(k => k.GetString()));
        Assert.Empty(result.GetProperty("mismatched").EnumerateArray());
        Assert.False(result.GetProperty("changedMatches").GetBoolean());
        session.AssertNoErrors();
    }

    [Theory]
    [InlineData("2026-12-05T19:33:02+00:00", 1796499182000L)]
    [InlineData("2026-12-05T19:33:02.1+00:00", 1796499182100L)]
    [InlineData("2026-12-05T19:33:02.123+00:00", 1796499182123L)]
    [InlineData("2026-12-05T20:33:02.123+01:00", 1796499182123L)]
    [InlineData("2026-12-05T19:33:02.1230000Z", 1796499182123L)]
    public async Task UnixMsOf_ReadsTheTimesTheApiWrites(string iso, long expected)
    {
        var (session, page) = await ModulePageAsync();
        await using var _ = session;

        var ms = await page.EvaluateAsync<long>($"async (iso) => {{ {Module} return m.unixMsOf(iso); }}", iso);

        Assert.Equal(expected, ms);
        Assert.Equal(expected, DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds());
    }
}
