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

    /// <summary>
    /// The whole check on a log built in the test from the server's own entries (RFC 9162 PATH written again in the
    /// test), signed with a key made in the page: accepted as it is, and each tampering rejected at its step.
    /// </summary>
    [Fact]
    public async Task VerifyReceipt_AcceptsAnHonestReceiptAndRejectsEachTamperingAtItsStep()
    {
        var poll = await CreatePollAsync("Best snack?", ("crisps", "Crisps"), ("fruit", "Fruit"));
        await OpenPollAsync(poll.Id);
        for (var i = 0; i < 5; i++)
        {
            await CastVoteAsync(poll.Id, i % 2 == 0 ? "crisps" : "fruit");
        }

        var (session, page) = await ModulePageAsync();
        await using var _ = session;

        var outcomes = await page.EvaluateAsync<Dictionary<string, string>>($$"""
            async (pollId) => {
              {{Module}}
              const { entries } = await (await fetch(`/v1/polls/${pollId}/audit`)).json();
              const leaves = await Promise.all(entries.map((e) => m.leafHash(m.hexToBytes(e.hash))));
              // RFC 9162 section 2.1.3.1 PATH(m, D[n]), written here independently of the module's verifier.
              const path = async (index, hashes) => {
                if (hashes.length <= 1) return [];
                let k = 1;
                while (k * 2 < hashes.length) k *= 2;
                return index < k
                  ? [...await path(index, hashes.slice(0, k)), await m.treeHash(hashes.slice(k))]
                  : [...await path(index - k, hashes.slice(k)), await m.treeHash(hashes.slice(0, k))];
              };
              const keyPair = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
              const otherPair = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
              const raw = async (pair) => new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
              const name = 'livevote.local';
              const keyDoc = async (pair) => {
                const publicKey = await raw(pair);
                return { origin: 'livevote.local', keys: [{ name, keyId: m.keyIdHex(await m.keyIdFor(name, publicKey)), publicKey: m.bytesToBase64(publicKey), active: true }] };
              };
              const sign = async (pair, body) => {
                const id = await m.keyIdFor(name, await raw(pair));
                const sig = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, pair.privateKey, new TextEncoder().encode(body)));
                const blob = new Uint8Array(68);
                new DataView(blob.buffer).setUint32(0, id);
                blob.set(sig, 4);
                return `${body}\n\u2014 ${name} ${m.bytesToBase64(blob)}\n`;
              };
              const leaf = entries.findIndex((e) => e.kind === 'vote') + 2;
              const root = await m.treeHash(leaves);
              const body = `livevote.local/poll/${pollId}/0.0\n${leaves.length}\n${m.bytesToBase64(root)}\ntime 1796499182123\n`;
              const proof = {
                log: '0.0', leaf, size: leaves.length, leafHash: m.bytesToHex(leaves[leaf]), root: m.bytesToHex(root),
                proof: (await path(leaf, leaves)).map(m.bytesToHex), entry: entries[leaf], checkpoint: await sign(keyPair, body),
              };
              const keys = await keyDoc(keyPair);
              const input = { pollId, log: '0.0', leaf, receipt: entries[leaf].hash, proof, keys };
              const outcome = async (changes) => {
                const report = await m.verifyReceipt({ ...input, ...changes });
                return report.ok ? `ok after ${report.steps.map((s) => s.id).join(',')}` : `${report.failure.step}: ${report.failure.message}`;
              };
              const flip = (hex) => (hex[0] === '0' ? '1' : '0') + hex.slice(1);
              const otherVote = entries[leaf + 1];
              return {
                honest: await outcome({}),
                forgedReceipt: await outcome({ receipt: flip(entries[leaf].hash) }),
                otherVotesEntry: await outcome({ proof: { ...proof, entry: otherVote } }),
                changedOption: await outcome({ proof: { ...proof, entry: { ...entries[leaf], optionId: entries[leaf].optionId === 'fruit' ? 'crisps' : 'fruit' } } }),
                tamperedProof: await outcome({ proof: { ...proof, proof: [flip(proof.proof[0]), ...proof.proof.slice(1)] } }),
                shortProof: await outcome({ proof: { ...proof, proof: proof.proof.slice(1) } }),
                otherPoll: await outcome({ pollId: 'another-poll' }),
                checkpointOfAnotherTree: await outcome({ proof: { ...proof, checkpoint: await sign(keyPair, body.replace(`\n${leaves.length}\n`, `\n${leaves.length + 1}\n`)) } }),
                wrongKey: await outcome({ keys: await keyDoc(otherPair) }),
                signedByAnotherKey: await outcome({ proof: { ...proof, checkpoint: await sign(otherPair, body) } }),
                changedCheckpoint: await outcome({ proof: { ...proof, checkpoint: proof.checkpoint.replace('time 1796499182123', 'time 1796499182124') } }),
                notYetSigned: await outcome({ proof: { ...proof, checkpoint: null } }),
              };
            }
            """, poll.Id);

        Assert.Equal("ok after entry,inclusion,checkpoint,signature", outcomes["honest"]);
        Assert.StartsWith("entry: The audit entry at leaf", outcomes["forgedReceipt"], StringComparison.Ordinal);
        Assert.StartsWith("entry: The audit entry at leaf", outcomes["otherVotesEntry"], StringComparison.Ordinal);
        Assert.StartsWith("entry: The audit entry at leaf", outcomes["changedOption"], StringComparison.Ordinal);
        Assert.StartsWith("proof: The inclusion proof does not lead to the log's root", outcomes["tamperedProof"], StringComparison.Ordinal);
        Assert.StartsWith("proof: The inclusion proof is shorter", outcomes["shortProof"], StringComparison.Ordinal);
        Assert.StartsWith("entry: The entry with this receipt is not a vote in poll another-poll", outcomes["otherPoll"], StringComparison.Ordinal);
        Assert.StartsWith("checkpoint: The checkpoint states a different tree", outcomes["checkpointOfAnotherTree"], StringComparison.Ordinal);
        Assert.StartsWith("signature: The checkpoint is not signed by any published key", outcomes["wrongKey"], StringComparison.Ordinal);
        Assert.StartsWith("signature: The checkpoint is not signed by any published key", outcomes["signedByAnotherKey"], StringComparison.Ordinal);
        Assert.StartsWith("signature: The signature on the checkpoint is not valid", outcomes["changedCheckpoint"], StringComparison.Ordinal);
        Assert.StartsWith("checkpoint: No signed checkpoint covers this vote yet", outcomes["notYetSigned"], StringComparison.Ordinal);
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
