using System.Net;
using System.Net.Http.Json;
using LiveVote.Contracts;
using LiveVote.Server.Privacy;
using LiveVote.Server.Tests.Infrastructure;
using LiveVote.Server.Votes;
using Microsoft.Extensions.DependencyInjection;

namespace LiveVote.Server.Tests.Privacy;

/// <summary>Per-poll voter keys on the embedded store: unlinkable across polls, exact within one, never published.</summary>
public sealed class VoterKeysPerPollTests : IAsyncLifetime
{
    private readonly LiveVoteServer _server = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task OneViewer_VotesUnderUnrelatedKeysInTwoPolls_AndTwiceInOnePollCountsOnce()
    {
        var admin = _server.AdminClient();
        var first = await Api.CreateOpenPollAsync(admin);
        var second = await Api.CreateOpenPollAsync(admin);
        var viewer = await Api.RegisterAsync(admin);
        var client = _server.Client();

        Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(client, first.Id, viewer.Token, "a")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(client, second.Id, viewer.Token, "a")).StatusCode);
        var again = await Api.VoteAsync(client, first.Id, viewer.Token, "a");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(VoteStatuses.Duplicate, (await Api.ReadVoteAsync(again)).Status);
        await ProblemAssert.IsAsync(await Api.VoteAsync(client, first.Id, viewer.Token, "b"), HttpStatusCode.Conflict, ErrorCodes.AlreadyVoted);

        var inFirst = Assert.Single(await Api.AuditAsync(client, first.Id), e => e.Kind == "vote");
        var inSecond = Assert.Single(await Api.AuditAsync(client, second.Id), e => e.Kind == "vote");
        Assert.NotEqual(inFirst.VoterKey, inSecond.VoterKey);
        Assert.Equal(TestVoterKeys.FromSqlite(_server.DatabasePath, first.Id).Hex(viewer.ViewerId), inFirst.VoterKey);
        Assert.Equal(TestVoterKeys.FromSqlite(_server.DatabasePath, second.Id).Hex(viewer.ViewerId), inSecond.VoterKey);
        Assert.True(TestVoterKeys.FromSqlite(_server.DatabasePath, first.Id).PerPoll);
        Assert.Equal(1, StoreFile.CountVotes(_server.DatabasePath, first.Id));
        Assert.Equal(1, (await Api.ResultsWhenAsync(client, first.Id, r => r.Total == 1)).Totals["a"]);
    }

    [Fact]
    public async Task NodeThatCannotOpenThePollsSecret_AnswersTheVote503_AndStoresNothing()
    {
        var directory = TempDirectory.Create("livevote-other-secret");
        try
        {
            string pollId;
            await using (var first = new LiveVoteServer(dataDirectory: directory))
            {
                pollId = (await Api.CreateOpenPollAsync(first.AdminClient())).Id;
            }

            // The same store, restarted with another fleet secret: keying the viewer any other way would be wrong.
            await using var other = new LiveVoteServer(new() { ["LiveVote:VoterKeySecret"] = "another-voter-key-secret-0123456789abcdef" }, dataDirectory: directory);
            var viewer = await Api.RegisterAsync(other.AdminClient());
            var response = await Api.VoteAsync(other.Client(), pollId, viewer.Token, "a");

            await ProblemAssert.IsAsync(response, HttpStatusCode.ServiceUnavailable, ErrorCodes.StoreUnavailable);
            Assert.Equal(0, StoreFile.CountVotes(other.DatabasePath, pollId));
        }
        finally
        {
            TempDirectory.Delete(directory);
        }
    }

    [Fact]
    public async Task PollSecret_IsInNoPublicAnswerAndNotInTheTrail()
    {
        var admin = _server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin);
        var wrapped = TestVoterKeys.ReadWrappedFromSqlite(_server.DatabasePath, poll.Id)!;
        var ciphertext = Convert.ToHexStringLower(wrapped.AsSpan(13, 32));

        // Every form the secret could be written in: wrapped, as hex or base64, in any answer a client or the trail gives.
        string[] forms = [Convert.ToHexStringLower(wrapped), ciphertext, Convert.ToBase64String(wrapped), Convert.ToBase64String(wrapped.AsSpan(13, 32))];
        var answers = new List<string>
        {
            await admin.GetStringAsync($"/v1/polls/{poll.Id}"),
            await admin.GetStringAsync("/v1/polls"),
            await admin.GetStringAsync($"/v1/polls/{poll.Id}/audit"),
            await admin.GetStringAsync($"/v1/polls/{poll.Id}/results"),
        };
        answers.AddRange(StoreFile.ReadAudit(_server.DatabasePath).Select(r => r.Data ?? ""));
        foreach (var answer in answers)
        {
            Assert.All(forms, form => Assert.DoesNotContain(form, answer, StringComparison.OrdinalIgnoreCase));
        }
    }

    [Fact]
    public async Task Erasure_AnswersTheViewersKeyInEveryPoll_ForTheAdminOnly_AndErasesWhatIsKeptApartFromTheVotes()
    {
        var eraser = new RecordingEraser();
        await using var server = new LiveVoteServer(configureServices: services => services.AddSingleton<IVoterDataEraser>(eraser));
        var admin = server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin);
        var viewer = await Api.RegisterAsync(admin);
        Assert.Equal(HttpStatusCode.Created, (await Api.VoteAsync(server.Client(), poll.Id, viewer.Token, "a")).StatusCode);

        using var anonymous = await server.Client().PostAsJsonAsync("/v1/admin/erasure", new ErasureRequest(viewer.ViewerId), ContractsJsonContext.Default.ErasureRequest);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var empty = await admin.PostAsJsonAsync("/v1/admin/erasure", new ErasureRequest(""), ContractsJsonContext.Default.ErasureRequest);
        await ProblemAssert.IsAsync(empty, HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest);
        using var tooLong = await admin.PostAsJsonAsync("/v1/admin/erasure", new ErasureRequest(new string('x', 1025)), ContractsJsonContext.Default.ErasureRequest);
        await ProblemAssert.IsAsync(tooLong, HttpStatusCode.BadRequest, ErrorCodes.InvalidRequest);

        using var response = await admin.PostAsJsonAsync("/v1/admin/erasure", new ErasureRequest(viewer.ViewerId), ContractsJsonContext.Default.ErasureRequest);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.ErasureResponse))!;
        Assert.Equal(viewer.ViewerId, answer.ViewerId);
        var entry = Assert.Single(answer.Polls, p => p.PollId == poll.Id);
        var voterKey = Assert.Single(await Api.AuditAsync(server.Client(), poll.Id), e => e.Kind == "vote").VoterKey;
        Assert.Equal(voterKey, entry.VoterKey);
        Assert.Equal([(poll.Id, voterKey!)], eraser.Erased);
        Assert.Equal(RecordingEraser.RowsPerCall, answer.EvidenceRowsRemoved);
        Assert.Equal("open", entry.Status);
        Assert.True(entry.PerPollKey);
        Assert.Null(entry.UnlinkableAfter);
        Assert.Contains("Art. 17(3)", answer.Retained, StringComparison.Ordinal);

        // The votes stay: the erasure does not change the count.
        Assert.Equal(1, StoreFile.CountVotes(server.DatabasePath, poll.Id));
    }

    /// <summary>A store of data kept apart from the votes, recording what it was asked to erase.</summary>
    private sealed class RecordingEraser : IVoterDataEraser
    {
        public const int RowsPerCall = 2;

        public List<(string PollId, string VoterKey)> Erased { get; } = [];

        public Task<int> EraseAsync(string pollId, VoterKey voterKey, CancellationToken cancellationToken)
        {
            lock (Erased)
            {
                Erased.Add((pollId, voterKey.ToString()));
            }

            return Task.FromResult(RowsPerCall);
        }
    }
}
