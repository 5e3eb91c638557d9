using System.Net;
using System.Net.Http.Json;
using LiveVote.Contracts;
using LiveVote.Server.Audit.Signing;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Audit;

/// <summary>
/// The poll's Merkle log through the API on the embedded store: every proof the server gives is checked by the tests'
/// own RFC 9162 code (<see cref="IndependentMerkle"/>) against the signed head it comes with, and the root against the
/// one recomputed from the public trail's entries.
/// </summary>
public sealed class AuditLogEndpointTests
{
    [Fact]
    public async Task VotesAcrossATileBoundary_AreEachProvedInTheSignedHead_AndTheHeadsAreConsistent()
    {
        // 300 votes from one loopback network within seconds: the risk score would ask for CAPTCHAs.
        await using var server = new LiveVoteServer(new() { ["LiveVote:Risk:Enabled"] = "false" });
        var admin = server.AdminClient();
        var client = server.Client();
        var poll = await Api.CreateOpenPollAsync(admin);
        var viewers = await Api.RegisterManyAsync(admin, 300);
        var votes = new List<VoteResponse>();
        foreach (var viewer in viewers)
        {
            var response = await Api.VoteAsync(client, poll.Id, viewer.Token, "a");
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            votes.Add(await Api.ReadVoteAsync(response));
        }

        // poll-created and poll-opened are leaves 0 and 1; the votes follow in order.
        Assert.All(votes, v => Assert.Equal("0.0", v.Log));
        Assert.Equal(Enumerable.Range(2, 300).Select(i => (long)i), votes.Select(v => v.Leaf));

        // A retry gets the same log and leaf back.
        var retry = await Api.ReadVoteAsync(await Api.VoteAsync(client, poll.Id, viewers[7].Token, "a"));
        Assert.Equal((votes[7].Log, votes[7].Leaf, votes[7].Receipt), (retry.Log, retry.Leaf, retry.Receipt));

        var entries = await Api.AuditAsync(client, poll.Id);
        Assert.Equal(Enumerable.Range(0, entries.Count).Select(i => (long?)i), entries.Select(e => e.Leaf));
        var leafHashes = entries.Select(e => IndependentMerkle.LeafHash(e.Hash)).ToList();
        Assert.Equal(302, leafHashes.Count);

        foreach (var index in new[] { 0, 1, 2, 255, 256, 257, 301 })
        {
            var proof = await InclusionWhenSignedAsync(client, poll.Id, index, 302);
            var checkpoint = ParseCheckpoint(proof.Checkpoint!);
            Assert.Equal($"livevote.local/poll/{poll.Id}/0.0", checkpoint.Origin);
            Assert.Equal((proof.Size, proof.Root), (checkpoint.Size, checkpoint.Root.ToString()));
            Assert.Equal(IndependentMerkle.Root(leafHashes[..(int)proof.Size]), proof.Root);
            Assert.Equal(leafHashes[index], proof.LeafHash);
            Assert.Equal(entries[index].Hash, proof.Entry.Hash);
            Assert.True(IndependentMerkle.VerifyInclusion(index, proof.Size, proof.LeafHash, proof.Proof, proof.Root), $"leaf {index}");
            Assert.False(IndependentMerkle.VerifyInclusion(index, proof.Size, leafHashes[(index + 1) % 302], proof.Proof, proof.Root));
        }

        foreach (var (from, to) in new[] { (1L, 302L), (2L, 256L), (255L, 257L), (256L, 302L), (100L, 300L), (302L, 302L) })
        {
            var consistency = (await client.GetFromJsonAsync(
                $"/v1/polls/{poll.Id}/audit/proof/consistency?log=0.0&from={from}&to={to}", ContractsJsonContext.Default.ConsistencyProofDto))!;
            Assert.Equal(IndependentMerkle.Root(leafHashes[..(int)from]), consistency.FromRoot);
            Assert.Equal(IndependentMerkle.Root(leafHashes[..(int)to]), consistency.ToRoot);
            Assert.True(IndependentMerkle.VerifyConsistency(from, to, consistency.FromRoot, consistency.ToRoot, consistency.Proof), $"{from} -> {to}");
        }

        // The signed heads: every one a prefix of the log, each consistent with the latest.
        var logs = (await client.GetFromJsonAsync($"/v1/polls/{poll.Id}/audit/logs", ContractsJsonContext.Default.AuditLogsDto))!;
        var latest = Assert.Single(logs.Logs);
        Assert.Equal(("0.0", 0, 0, 302L), (latest.Log, latest.Partition, latest.Chain, latest.Size));
        Assert.Equal(IndependentMerkle.Root(leafHashes), latest.Root);
        var heads = (await client.GetFromJsonAsync($"/v1/polls/{poll.Id}/audit/heads?limit=1000", ContractsJsonContext.Default.SignedHeadsPageDto))!;
        Assert.NotEmpty(heads.Heads);
        Assert.Null(heads.Next);
        Assert.Equal(heads.Heads.Select(h => h.Size).Order(), heads.Heads.Select(h => h.Size));
        foreach (var head in heads.Heads)
        {
            Assert.Equal(IndependentMerkle.Root(leafHashes[..(int)head.Size]), head.Root);
            Assert.Equal(head.Root, ParseCheckpoint(head.Checkpoint).Root.ToString());
        }
    }

    [Fact]
    public async Task ALeafNoSignedHeadCoversYet_IsNotYetSigned_WithRetryAfter_ButProvableAtAGivenSize()
    {
        // Heads only at lifecycle changes here (the interval is a minute): the vote after the open is not covered.
        await using var server = new LiveVoteServer(new() { ["LiveVote:Audit:HeadIntervalMs"] = "60000" });
        var admin = server.AdminClient();
        var client = server.Client();
        var poll = await Api.CreateOpenPollAsync(admin);
        await InclusionWhenSignedAsync(client, poll.Id, 1, 2);
        var viewer = await Api.RegisterAsync(admin);
        var vote = await Api.ReadVoteAsync(await Api.VoteAsync(client, poll.Id, viewer.Token, "b"));
        Assert.Equal(2, vote.Leaf);

        var response = await client.GetAsync($"/v1/polls/{poll.Id}/audit/proof/inclusion?log=0.0&leaf=2");

        await ProblemAssert.IsAsync(response, HttpStatusCode.NotFound, ErrorCodes.NotYetSigned);
        Assert.Equal("1", response.Headers.GetValues("Retry-After").Single());
        var atSize = (await client.GetFromJsonAsync(
            $"/v1/polls/{poll.Id}/audit/proof/inclusion?log=0.0&leaf=2&size=3", ContractsJsonContext.Default.InclusionProofDto))!;
        Assert.Null(atSize.Checkpoint);
        Assert.Equal(vote.Receipt, atSize.Entry.Hash);
        Assert.True(IndependentMerkle.VerifyInclusion(2, 3, IndependentMerkle.LeafHash(vote.Receipt), atSize.Proof, atSize.Root));

        // The close is a lifecycle change: signed at once, covering the vote.
        (await Api.ClosePollAsync(admin, poll.Id)).EnsureSuccessStatusCode();
        var signed = await InclusionWhenSignedAsync(client, poll.Id, 2, 4);
        Assert.True(IndependentMerkle.VerifyInclusion(2, signed.Size, IndependentMerkle.LeafHash(vote.Receipt), signed.Proof, signed.Root));
    }

    [Theory]
    [InlineData("proof/inclusion?log=0.0", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("proof/inclusion?log=0.0&leaf=-1", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("proof/inclusion?log=x&leaf=0", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("proof/inclusion?log=0.0.0&leaf=0", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("proof/inclusion?log=0.0&leaf=0&size=0", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("proof/inclusion?log=0.0&leaf=1&size=1", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("proof/inclusion?log=0.0&leaf=0&size=99", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("proof/inclusion?log=0.0&leaf=99", HttpStatusCode.NotFound, ErrorCodes.LeafNotFound)]
    [InlineData("proof/inclusion?log=0.5&leaf=0", HttpStatusCode.NotFound, ErrorCodes.LogNotFound)]
    [InlineData("proof/inclusion?log=3.0&leaf=0", HttpStatusCode.NotFound, ErrorCodes.LogNotFound)]
    [InlineData("proof/consistency?log=0.0&from=0&to=1", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("proof/consistency?log=0.0&from=2&to=1", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("proof/consistency?log=0.0&from=1&to=99", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("proof/consistency?log=9.9&from=1&to=2", HttpStatusCode.NotFound, ErrorCodes.LogNotFound)]
    [InlineData("heads?limit=0", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("heads?after=-1", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    [InlineData("heads?partition=1", HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest)]
    public async Task BadOrUnknownProofRequests_AreProblems(string query, HttpStatusCode status, string code)
    {
        await using var server = new LiveVoteServer();
        var poll = await Api.CreateOpenPollAsync(server.AdminClient());

        await ProblemAssert.IsAsync(await server.Client().GetAsync($"/v1/polls/{poll.Id}/audit/{query}"), status, code);
    }

    /// <summary>Asks for the proof until a signed head of at least <paramref name="minSize"/> leaves covers the leaf (heads follow within about a second).</summary>
    internal static async Task<InclusionProofDto> InclusionWhenSignedAsync(HttpClient client, string pollId, long leaf, long minSize, string log = "0.0")
    {
        var deadline = Environment.TickCount64 + 30_000;
        while (true)
        {
            var response = await client.GetAsync($"/v1/polls/{pollId}/audit/proof/inclusion?log={log}&leaf={leaf}");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var proof = (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.InclusionProofDto))!;
                if (proof.Size >= minSize || Environment.TickCount64 > deadline)
                {
                    return proof;
                }
            }
            else if (Environment.TickCount64 > deadline)
            {
                Assert.Fail($"No signed head covered leaf {leaf} of log {log}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }

            await Task.Delay(100);
        }
    }

    private static CheckpointBody ParseCheckpoint(string note)
    {
        Assert.True(Checkpoints.TryParse(note, out var body), note);
        return body;
    }
}
