using System.Net;
using LiveVote.Contracts;
using LiveVote.Server.Polls;
using LiveVote.Server.Tests.Infrastructure;
using static LiveVote.Server.Tests.Polls.PollManagementApi;

namespace LiveVote.Server.Tests.Polls;

/// <summary>Join codes: generated or chosen at create, unique, resolved by <c>GET /v1/codes/{code}</c> and the page <c>/v/{code}</c>.</summary>
public sealed class PollCodeTests : IDisposable
{
    private readonly LiveVoteServer _server = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task Create_WithoutACode_GeneratesSixCharactersWithoutLookAlikes()
    {
        var admin = _server.AdminClient();
        var codes = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            codes.Add((await CreatedAsync(admin, Definition())).Code!);
        }

        Assert.All(codes, code =>
        {
            Assert.Equal(6, code.Length);
            Assert.All(code, c => Assert.Contains(c, PollCodes.Alphabet));
        });
        Assert.Equal(codes.Count, codes.Distinct().Count());
    }

    [Fact]
    public async Task Create_WithAChosenCode_StoresItUpperCase_AndTheCodeFindsThePollInAnyCase()
    {
        var admin = _server.AdminClient();
        var poll = await CreatedAsync(admin, Definition(code: "final7"));
        Assert.Equal("FINAL7", poll.Code);

        // A draft is the producer's: unknown to the public by code too.
        await ProblemAssert.IsAsync(await ByCodeAsync(_server.Client(), "FINAL7"), HttpStatusCode.NotFound, ErrorCodes.PollNotFound);
        Assert.Equal(poll.Id, (await ReadAsync(await ByCodeAsync(admin, "final7"))).Id);

        (await Api.OpenPollAsync(admin, poll.Id)).EnsureSuccessStatusCode();
        var found = await ReadAsync(await ByCodeAsync(_server.Client(), "Final7"));
        Assert.Equal(poll.Id, found.Id);
        Assert.Equal("open", found.Status);
        Assert.Equal("FINAL7", (await Api.PollAsync(_server.Client(), poll.Id)).Code);
    }

    [Theory]
    [InlineData("AB-12")]
    [InlineData("ABC 12")]
    [InlineData("ÄBC12")]
    [InlineData("ABC")]
    [InlineData("ABCDEFGHJKMNP")]
    [InlineData("")]
    public async Task Create_WithABadCode_Is422AndChangesNothing(string code)
    {
        var before = await StoredState.CaptureAsync(_server);

        var response = await CreateAsync(_server.AdminClient(), Definition(code: code));

        await ProblemAssert.IsAsync(response, HttpStatusCode.UnprocessableEntity, ErrorCodes.InvalidPoll);
        Assert.Equal(before, await StoredState.CaptureAsync(_server));
    }

    [Fact]
    public async Task Create_WithATakenCode_InAnyCase_Is409CodeTaken()
    {
        var admin = _server.AdminClient();
        await CreatedAsync(admin, Definition(code: "SHOW42"));
        var before = await StoredState.CaptureAsync(_server);

        await ProblemAssert.IsAsync(await CreateAsync(admin, Definition(code: "show42")), HttpStatusCode.Conflict, ErrorCodes.CodeTaken);
        Assert.Equal(before, await StoredState.CaptureAsync(_server));
    }

    [Fact]
    public async Task TwoCreatesRacingForOneCode_MakeOnePoll()
    {
        var admin = _server.AdminClient();

        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => CreateAsync(admin, Definition(code: "RACE99"))));

        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Created);
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.Created), a => Assert.Equal(HttpStatusCode.Conflict, a.StatusCode));
        Assert.Single((await Api.PollsAsync(admin)).Polls, p => p.Code == "RACE99");
    }

    [Theory]
    [InlineData("NOPE42")]
    [InlineData("bad-code")]
    [InlineData("ABCDEFGHJKMNPQ")]
    public async Task ByCode_UnknownOrMalformed_Is404(string code)
    {
        await ProblemAssert.IsAsync(await ByCodeAsync(_server.AdminClient(), code), HttpStatusCode.NotFound, ErrorCodes.PollNotFound);
    }

    [Fact]
    public async Task VotePage_AtTheCode_IsTheVotePage()
    {
        var response = await _server.Client().GetAsync("/v/ABC123");

        response.EnsureSuccessStatusCode();
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var vote = await (await _server.Client().GetAsync("/vote/p-x")).Content.ReadAsStringAsync();
        Assert.Equal(vote, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public void ADerivedCode_IsStableAndInTheAlphabet()
    {
        Assert.Equal(PollCodes.Derived("demo"), PollCodes.Derived("demo"));
        Assert.NotEqual(PollCodes.Derived("demo"), PollCodes.Derived("p-other"));
        Assert.All(PollCodes.Derived("demo"), c => Assert.Contains(c, PollCodes.Alphabet));
    }
}
