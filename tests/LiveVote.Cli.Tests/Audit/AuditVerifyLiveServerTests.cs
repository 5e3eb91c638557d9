using System.Net;
using LiveVote.Cli.Audit;
using LiveVote.Server.Tests.Infrastructure;

namespace LiveVote.Cli.Tests.Audit;

/// <summary><c>audit verify</c> beside a server that still owns and writes the file.</summary>
public sealed class AuditVerifyLiveServerTests
{
    [Fact]
    public async Task Verify_WhileTheServerRuns_ChecksEveryAcknowledgedVote()
    {
        await using var server = new LiveVoteServer();
        var admin = server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin, "a", "b");
        foreach (var option in new[] { "a", "b", "b" })
        {
            var viewer = await Api.RegisterAsync(admin);
            Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(server.Client(), poll.Id, viewer.Token, option)).StatusCode);
        }

        // Acknowledged means durable: the verifier, reading through the live WAL, must see all three.
        using (var access = ReadOnlyDatabase.Prepare(server.DatabasePath))
        {
            Assert.False(access.Immutable);
        }

        var report = AuditVerifier.Verify(server.DatabasePath);

        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.Equal(2 + 3, report.Entries);
        var recount = Assert.Single(report.Polls);
        Assert.Equal(["a=1", "b=2"], recount.Options.Select(o => $"{o.Id}={o.Votes}"));

        // And the server keeps working on the file afterwards.
        var late = await Api.RegisterAsync(admin);
        Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(server.Client(), poll.Id, late.Token, "a")).StatusCode);
    }
}
