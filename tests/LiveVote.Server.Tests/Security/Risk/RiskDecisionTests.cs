using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using LiveVote.Server.Tests.Security.Evidence;

namespace LiveVote.Server.Tests.Security.Risk;

/// <summary>
/// What a risky vote gets, with thresholds set so that one signal decides: a brand-new token scores the young-account
/// weight (10). Above the CAPTCHA threshold: 428 with a challenge, then 201 with its solution; above the block
/// threshold: 403. Every decision lands in the poll's public audit trail (what was decided; its network and signals in
/// the restricted evidence store), and a refused vote changes nothing else.
/// </summary>
public sealed class RiskDecisionTests
{
    private static Dictionary<string, string?> Settings(string captchaThreshold, string blockThreshold) => new()
    {
        ["LiveVote:Risk:CaptchaThreshold"] = captchaThreshold,
        ["LiveVote:Risk:BlockThreshold"] = blockThreshold,
        ["LiveVote:Captcha:MaxNumber"] = "50",
    };

    [Fact]
    public async Task RiskyVote_WithoutCaptcha_Is428WithAChallenge_ChangesNothing_AndWithItsSolutionIsAccepted()
    {
        using var decisions = new MetricRecorder("livevote.risk.decisions");
        await using var server = new LiveVoteServer(Settings("5", "1000"));
        using var admin = server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin);
        var viewer = await Api.RegisterAsync(admin);
        var client = server.Client();
        var before = await StoredState.CaptureAsync(server);

        var challenged = await Api.VoteAsync(client, poll.Id, viewer.Token, "a");

        var problem = await ProblemAssert.IsAsync(challenged, HttpStatusCode.PreconditionRequired, ErrorCodes.CaptchaRequired);
        Assert.Equal("X-Captcha", problem.GetProperty("captchaHeader").GetString());
        Assert.Equal("/v1/captcha/challenge", problem.GetProperty("challengeUrl").GetString());
        var challenge = problem.GetProperty("challenge").Deserialize(ContractsJsonContext.Default.CaptchaChallengeDto)!;
        Assert.Equal("SHA-256", challenge.Algorithm);
        Assert.Equal(before with { Store = "", Audit = "" }, (await StoredState.CaptureAsync(server)) with { Store = "", Audit = "" });
        Assert.Equal(0, StoreFile.CountVotes(server.DatabasePath, poll.Id));

        var solution = AltchaTestSolver.Solve(challenge);
        var accepted = await VoteWithCaptchaAsync(client, poll.Id, viewer.Token, "a", solution);

        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        var vote = await Api.ReadVoteAsync(accepted);
        var entries = await Api.AuditAsync(client, poll.Id);
        IndependentAudit.AssertPollEntriesVerify(entries);
        var voterKey = TestVoterKeys.FromSqlite(server.DatabasePath, poll.Id).Hex(viewer.ViewerId);
        var notes = entries.Where(e => e.Kind == "risk-decision").ToList();
        Assert.Equal(["captcha-required", "captcha-passed"], notes.Select(n => Action(n)));
        Assert.All(notes, n => Assert.Equal(voterKey, n.VoterKey));
        Assert.All(notes, n => Assert.Null(n.OptionId));
        using (var data = JsonDocument.Parse(notes[0].Data!))
        {
            Assert.Equal("young-account", data.RootElement.GetProperty("reason").GetString());
            Assert.Equal(10, data.RootElement.GetProperty("score").GetInt32());
            Assert.False(data.RootElement.TryGetProperty("network", out _), "the public entry names the network: " + notes[0].Data);
            Assert.False(data.RootElement.TryGetProperty("signals", out _), "the public entry holds the signals: " + notes[0].Data);

            // What the decision was based on is in the restricted evidence store, which the entry names (admin key only).
            var evidence = await EvidenceApi.ByRefAsync(admin, data.RootElement.GetProperty("evidence").GetString()!);
            Assert.Equal(10, evidence.Detail.GetProperty("signals").GetProperty("young-account").GetInt32());
            Assert.Equal("127.0.0.0/24", evidence.Network);
            Assert.Equal(("risk-decision", "captcha-required", poll.Id, voterKey), (evidence.Kind, evidence.Action, evidence.PollId, evidence.VoterKey));
        }

        // The note of the passed CAPTCHA comes before the vote it let through; the vote itself is the usual vote entry.
        var voteEntry = entries.Single(e => e.Kind == "vote");
        Assert.Equal(vote.Receipt, voteEntry.Hash);
        Assert.True(notes[1].Seq < voteEntry.Seq);
        Assert.Equal(1, (await Api.ResultsWhenAsync(client, poll.Id, r => r.Total == 1)).Totals["a"]);
        Assert.True(decisions.Sum(("action", "captcha-required"), ("reason", "young-account")) >= 1);
        Assert.True(decisions.Sum(("action", "captcha-passed")) >= 1);
    }

    [Fact]
    public async Task RiskyVote_WithAUsedOrBadSolution_IsRefusedByTheCaptcha_AndCountsNothing()
    {
        await using var server = new LiveVoteServer(Settings("5", "1000"));
        using var admin = server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin);
        var viewers = await Api.RegisterManyAsync(admin, 2);
        var client = server.Client();
        var challenge = (await client.GetFromJsonAsync("/v1/captcha/challenge", ContractsJsonContext.Default.CaptchaChallengeDto))!;
        var solution = AltchaTestSolver.Solve(challenge);
        Assert.Equal(HttpStatusCode.Created, (await VoteWithCaptchaAsync(client, poll.Id, viewers[0].Token, "a", solution)).StatusCode);

        var replayed = await VoteWithCaptchaAsync(client, poll.Id, viewers[1].Token, "a", solution);
        var garbage = await VoteWithCaptchaAsync(client, poll.Id, viewers[1].Token, "a", "bm90IGEgc29sdXRpb24=");

        await ProblemAssert.IsAsync(replayed, HttpStatusCode.Forbidden, ErrorCodes.CaptchaReplayed);
        await ProblemAssert.IsAsync(garbage, HttpStatusCode.BadRequest, ErrorCodes.CaptchaMalformed);
        Assert.Equal(1, StoreFile.CountVotes(server.DatabasePath, poll.Id));
    }

    [Fact]
    public async Task VeryRiskyVote_IsRefusedAsSuspectedBot_EvenWithACaptcha_AndAuditedOncePerVoter()
    {
        using var decisions = new MetricRecorder("livevote.risk.decisions");
        await using var server = new LiveVoteServer(Settings("5", "5"));
        using var admin = server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin);
        var viewer = await Api.RegisterAsync(admin);
        var client = server.Client();
        var challenge = (await client.GetFromJsonAsync("/v1/captcha/challenge", ContractsJsonContext.Default.CaptchaChallengeDto))!;

        var refused = new List<HttpResponseMessage>
        {
            await Api.VoteAsync(client, poll.Id, viewer.Token, "b"),
            await VoteWithCaptchaAsync(client, poll.Id, viewer.Token, "b", AltchaTestSolver.Solve(challenge)),
            await Api.VoteAsync(client, poll.Id, viewer.Token, "b"),
        };

        foreach (var response in refused)
        {
            await ProblemAssert.IsAsync(response, HttpStatusCode.Forbidden, ErrorCodes.SuspectedBot);
        }

        // The queue is first in, first out: once this poll change is durable, every note posted before it is too.
        (await Api.ClosePollAsync(admin, poll.Id)).EnsureSuccessStatusCode();
        var entries = await Api.AuditAsync(client, poll.Id);
        var note = Assert.Single(entries, e => e.Kind == "risk-decision");
        Assert.Equal("suspected-bot", Action(note));
        Assert.Equal(TestVoterKeys.FromSqlite(server.DatabasePath, poll.Id).Hex(viewer.ViewerId), note.VoterKey);
        Assert.DoesNotContain(entries, e => e.Kind == "vote");
        Assert.Equal(0, StoreFile.CountVotes(server.DatabasePath, poll.Id));
        Assert.True(decisions.Sum(("action", "suspected-bot")) >= 3);
    }

    /// <summary>
    /// A retry always gets its first answer: a vote relayed by a trusted back end (not scored) is counted; the viewer's
    /// own retry then scores above the block threshold, and still gets the counted vote back, not "not counted".
    /// </summary>
    [Fact]
    public async Task RetryOfACountedVote_GetsItBack_EvenWhenTheRiskScoreNowRefusesTheViewer()
    {
        await using var server = new LiveVoteServer(Settings("5", "5"));
        using var admin = server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin);
        var viewer = await Api.RegisterAsync(admin);
        var relayed = await Api.VoteAsync(admin, poll.Id, viewer.Token, "a");
        Assert.Equal(HttpStatusCode.Created, relayed.StatusCode);
        var counted = await Api.ReadVoteAsync(relayed);
        var client = server.Client();

        var retried = await Api.VoteAsync(client, poll.Id, viewer.Token, "a");
        var secondVote = await Api.VoteAsync(client, poll.Id, viewer.Token, "b");
        var stranger = await Api.RegisterAsync(admin);
        var strangersVote = await Api.VoteAsync(client, poll.Id, stranger.Token, "a");

        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        var again = await Api.ReadVoteAsync(retried);
        Assert.Equal((VoteStatuses.Duplicate, counted.VoteId, counted.Receipt), (again.Status, again.VoteId, again.Receipt));
        await ProblemAssert.IsAsync(secondVote, HttpStatusCode.Conflict, ErrorCodes.AlreadyVoted);
        await ProblemAssert.IsAsync(strangersVote, HttpStatusCode.Forbidden, ErrorCodes.SuspectedBot);
        Assert.Equal(1, StoreFile.CountVotes(server.DatabasePath, poll.Id));
    }

    [Fact]
    public async Task AdminKeyVotes_AndRiskDisabled_AreNotScored()
    {
        await using var scored = new LiveVoteServer(Settings("5", "5"));
        await using var disabled = new LiveVoteServer(new(Settings("5", "5")) { ["LiveVote:Risk:Enabled"] = "false" });
        foreach (var (server, viaAdmin) in new[] { (scored, true), (disabled, false) })
        {
            using var admin = server.AdminClient();
            var poll = await Api.CreateOpenPollAsync(admin);
            var viewer = await Api.RegisterAsync(admin);

            var response = await Api.VoteAsync(viaAdmin ? admin : server.Client(), poll.Id, viewer.Token, "c");

            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }
    }

    [Fact]
    public async Task OrdinaryVote_WithDefaultThresholds_IsNotChallenged()
    {
        await using var server = new LiveVoteServer();
        using var admin = server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin);
        var viewer = await Api.RegisterAsync(admin);

        var response = await Api.VoteAsync(server.Client(), poll.Id, viewer.Token, "a");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.DoesNotContain(await Api.AuditAsync(server.Client(), poll.Id), e => e.Kind == "risk-decision");
    }

    private static string? Action(AuditEntryDto entry)
    {
        using var data = JsonDocument.Parse(entry.Data!);
        return data.RootElement.GetProperty("action").GetString();
    }

    private static Task<HttpResponseMessage> VoteWithCaptchaAsync(HttpClient client, string pollId, string token, string optionId, string solution)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/polls/{pollId}/votes")
        {
            Content = JsonContent.Create(new CastVoteRequest(optionId), ContractsJsonContext.Default.CastVoteRequest),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("X-Captcha", solution);
        return client.SendAsync(request);
    }
}
