using System.Net;
using LiveVote.Contracts;
using LiveVote.Server.Security.Captcha;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LiveVote.Server.Tests.Security.Captcha;

/// <summary>
/// A solved challenge registers one viewer, whichever node it is sent to and across restarts: the used challenges live
/// in the store (the fleet's PostgreSQL, the embedded node's SQLite file). A fleet node needs the shared CAPTCHA key
/// to start, and a store that cannot answer refuses registration (503) rather than letting a solution count twice.
/// </summary>
public sealed class UsedChallengeReplayTests
{
    [Fact]
    public async Task PostgresFleet_SolutionAcceptedOnOneNode_IsReplayedOnAnother()
    {
        await using var fleet = await PostgresFleet.StartAsync(nodes: 2, settings: AltchaClient.Settings());
        var (nodeA, nodeB) = (fleet.Nodes[0].Client(), fleet.Nodes[1].Client());

        // Issued by one node, accepted by the other: the fleet shares the key that signs challenges.
        var (payload, _, _) = await AltchaClient.SolvedAsync(nodeB);
        var accepted = await AltchaClient.RegisterAsync(nodeA, payload);
        var onTheOtherNode = await AltchaClient.RegisterAsync(nodeB, payload);
        var onTheSameNode = await AltchaClient.RegisterAsync(nodeA, payload);

        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        await ProblemAssert.IsAsync(onTheOtherNode, HttpStatusCode.Forbidden, ErrorCodes.CaptchaReplayed);
        await ProblemAssert.IsAsync(onTheSameNode, HttpStatusCode.Forbidden, ErrorCodes.CaptchaReplayed);
    }

    [Fact]
    public async Task EmbeddedNode_SolutionAcceptedBeforeARestart_IsReplayedAfterIt()
    {
        var directory = TempDirectory.Create("livevote-captcha-restart");
        try
        {
            string payload;
            await using (var before = new LiveVoteServer(AltchaClient.Settings(), dataDirectory: directory))
            {
                (payload, _, _) = await AltchaClient.SolvedAsync(before.Client());
                Assert.Equal(HttpStatusCode.Created, (await AltchaClient.RegisterAsync(before.Client(), payload)).StatusCode);
            }

            await using var after = new LiveVoteServer(AltchaClient.Settings(), dataDirectory: directory);
            var replayed = await AltchaClient.RegisterAsync(after.Client(), payload);

            await ProblemAssert.IsAsync(replayed, HttpStatusCode.Forbidden, ErrorCodes.CaptchaReplayed);
            var (fresh, _, _) = await AltchaClient.SolvedAsync(after.Client());
            Assert.Equal(HttpStatusCode.Created, (await AltchaClient.RegisterAsync(after.Client(), fresh)).StatusCode);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            TempDirectory.Delete(directory);
        }
    }

    [Fact]
    public void PostgresNode_WithoutCaptchaHmacKey_RefusesToStartNamingIt()
    {
        var error = Record.Exception(() => new LiveVoteServer(new()
        {
            ["LiveVote:Storage"] = "Postgres",
            ["LiveVote:Postgres:ConnectionString"] = "Host=127.0.0.1;Port=9;Username=postgres;Database=livevote",
            ["LiveVote:CaptchaHmacKey"] = "",
        }).Dispose());

        var validation = Assert.IsType<OptionsValidationException>(error);
        Assert.Contains("With LiveVote:Storage=Postgres configure", validation.Message, StringComparison.Ordinal);
        Assert.Contains("LiveVote:CaptchaHmacKey", validation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_WhenTheUsedChallengeTableCannotAnswer_IsCaptchaUnavailableWithRetryAfter()
    {
        var table = new FakeUsedChallengeTable();
        table.FailNext(int.MaxValue);
        await using var server = new LiveVoteServer(AltchaClient.Settings(), services => services.AddSingleton<IUsedChallengeTable>(table));
        var client = server.Client();
        var (payload, _, _) = await AltchaClient.SolvedAsync(client);

        var response = await AltchaClient.RegisterAsync(client, payload);

        await ProblemAssert.IsAsync(response, HttpStatusCode.ServiceUnavailable, ErrorCodes.CaptchaUnavailable);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Single(table.Batches);
    }
}
