using System.Net;
using LiveVote.Server.Audit;
using LiveVote.Server.Storage;
using LiveVote.Server.Tests.Infrastructure;
using LiveVote.Server.Votes;
using Microsoft.Extensions.DependencyInjection;

namespace LiveVote.Server.Tests.Audit;

/// <summary>Audit notes go through the one batch writer: in order with votes, into the chain, and nowhere else.</summary>
public sealed class AuditNotesTests
{
    [Fact]
    public async Task Notes_AreChainedInQueueOrderWithVotes_AndChangeNoVoteOrTally()
    {
        await using var server = new LiveVoteServer();
        using var admin = server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin);
        var viewers = await Api.RegisterManyAsync(admin, 2);
        var notes = server.Services.GetRequiredService<AuditNotes>();
        var keys = TestVoterKeys.FromSqlite(server.DatabasePath, poll.Id);
        var voterKey = VoterKey.Read(Convert.FromHexString(keys.Hex(viewers[0].ViewerId)));

        Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(admin, poll.Id, viewers[0].Token, "a")).StatusCode);
        notes.Post(new AuditNote("risk-decision", poll.Id, voterKey, "{\"action\":\"captcha-required\",\"n\":1}"));
        notes.Post(new AuditNote("admin-lockout", null, null, "{\"action\":\"admin-lockout\",\"n\":2}"));
        Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(admin, poll.Id, viewers[1].Token, "b")).StatusCode);

        var rows = StoreFile.ReadAudit(server.DatabasePath);
        IndependentAudit.AssertChainVerifies(rows);
        Assert.Equal(["poll-created", "poll-opened", "vote", "risk-decision", "admin-lockout", "vote"], rows.Select(r => r.Kind));
        var note = rows[3];
        Assert.Equal(poll.Id, note.PollId);
        Assert.Equal(keys.Hex(viewers[0].ViewerId), note.VoterKey);
        Assert.Null(note.OptionId);
        Assert.Equal("{\"action\":\"captcha-required\",\"n\":1}", note.Data);
        Assert.Null(rows[4].PollId);
        Assert.Null(rows[4].VoterKey);
        Assert.Equal(2, StoreFile.CountVotes(server.DatabasePath, poll.Id));
        Assert.Equal(new Dictionary<string, long> { ["a"] = 1, ["b"] = 1 }, StoreFile.Tallies(server.DatabasePath, poll.Id));

        // The poll's public trail shows its note (not the lockout, which belongs to no poll); the vote ids stay the seqs.
        var entries = await Api.AuditAsync(server.Client(), poll.Id);
        Assert.Equal(["poll-created", "poll-opened", "vote", "risk-decision", "vote"], entries.Select(e => e.Kind));
        IndependentAudit.AssertPollEntriesVerify(entries);
    }

    [Fact]
    public async Task Notes_SurviveARestart_AndTheChainGoesOnFromThem()
    {
        var directory = TempDirectory.Create("livevote-notes");
        try
        {
            await using (var first = new LiveVoteServer(dataDirectory: directory))
            {
                using var admin = first.AdminClient();
                await Api.CreateOpenPollAsync(admin);
                first.Services.GetRequiredService<AuditNotes>().Post(new AuditNote("admin-lockout", null, null, "{\"n\":1}"));
                await Api.CreatePollAsync(admin);
            }

            await using var second = new LiveVoteServer(dataDirectory: directory);
            using (var admin = second.AdminClient())
            {
                await Api.CreatePollAsync(admin);
            }

            var rows = StoreFile.ReadAudit(second.DatabasePath);
            IndependentAudit.AssertChainVerifies(rows);
            Assert.Equal(["poll-created", "poll-opened", "admin-lockout", "poll-created", "poll-created"], rows.Select(r => r.Kind));
        }
        finally
        {
            TempDirectory.Delete(directory);
        }
    }
}
