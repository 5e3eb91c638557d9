using System.Net;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Server.Tests.Audit;

/// <summary>The embedded node resumes each poll's Merkle log where the file left it: leaves go on, proofs span the restart.</summary>
public sealed class AuditLogRestartTests
{
    [Fact]
    public async Task AfterARestart_TheLogGoesOnFromItsLastLeaf_AndProofsCoverBothRuns()
    {
        var directory = TempDirectory.Create("livevote-log-restart");
        try
        {
            string pollId;
            Contracts.RegisterViewerResponse[] viewers;
            await using (var first = new LiveVoteServer(dataDirectory: directory))
            {
                var admin = first.AdminClient();
                pollId = (await Api.CreateOpenPollAsync(admin)).Id;
                viewers = await Api.RegisterManyAsync(admin, 4);
                for (var i = 0; i < 3; i++)
                {
                    Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(first.Client(), pollId, viewers[i].Token, "a")).StatusCode);
                }
            }

            await using var second = new LiveVoteServer(dataDirectory: directory);
            var client = second.Client();
            var vote = await Api.ReadVoteAsync(await Api.VoteAsync(client, pollId, viewers[3].Token, "b"));
            Assert.Equal(("0.0", 5L), (vote.Log, vote.Leaf));

            // A retry of a vote of the first run gets its leaf back from the rebuilt index.
            var retry = await Api.ReadVoteAsync(await Api.VoteAsync(client, pollId, viewers[0].Token, "a"));
            Assert.Equal(2, retry.Leaf);

            var leafHashes = (await Api.AuditAsync(client, pollId)).Select(e => IndependentMerkle.LeafHash(e.Hash)).ToList();
            Assert.Equal(6, leafHashes.Count);
            var proof = await AuditLogEndpointTests.InclusionWhenSignedAsync(client, pollId, 2, 6);
            Assert.Equal(IndependentMerkle.Root(leafHashes), proof.Root);
            Assert.True(IndependentMerkle.VerifyInclusion(2, 6, leafHashes[2], proof.Proof, proof.Root));
        }
        finally
        {
            TempDirectory.Delete(directory);
        }
    }
}
