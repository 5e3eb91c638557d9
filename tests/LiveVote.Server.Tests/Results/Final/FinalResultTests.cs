using System.Net;
using System.Net.Http.Json;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace LiveVote.Server.Tests.Results.Final;

/// <summary>
/// The signed final result on SQLite: an honest close is signed at once and its statement verifies independently
/// (signature, totals = the recount of the file's votes, the log's root from the file's audit rows); a tally changed in
/// the database behind the writer's back is refused at close with the figures named, nothing says "final", and the
/// producer's retry after the fix signs it.
/// </summary>
public sealed class FinalResultTests
{
    private const string Origin = "livevote.local";

    [Fact]
    public async Task HonestClose_SignsTheResult_AndTheStatementVerifiesIndependently()
    {
        await using var server = new LiveVoteServer();
        var admin = server.AdminClient();
        var client = server.Client();
        var poll = await Api.CreateOpenPollAsync(admin, "a", "b", "c");
        await VoteAsync(admin, poll.Id, "a", "a", "b");
        Assert.False((await Api.ResultsAsync(client, poll.Id)).Final);
        await ProblemAssert.IsAsync(await client.GetAsync($"/v1/polls/{poll.Id}/result"), HttpStatusCode.NotFound, ErrorCodes.ResultNotFinal);

        var closed = await CloseAsync(admin, poll.Id);

        Assert.Equal("signed", closed.ResultStatus);
        Assert.Null(closed.ResultProblem);
        var result = await ResultAsync(client, poll.Id);
        Assert.True(result.Final);
        Assert.Equal(3, result.Total);
        Assert.Equal(new Dictionary<string, long> { ["a"] = 2, ["b"] = 1, ["c"] = 0 }, result.Totals);

        // Independently: the signature with the configured key, the recount from the file, the log's root from its rows.
        var body = IndependentResultCheck.VerifiedBody(result.Statement, LiveVoteServer.AuditSigningKey, Origin);
        Assert.Equal($"{Origin}/poll/{poll.Id}/result", body[0]);
        Assert.Equal(closed.ClosedAt!.Value.ToUnixTimeMilliseconds(), IndependentResultCheck.Field(body, "closed"));
        Assert.Equal(3, IndependentResultCheck.Field(body, "total"));
        Assert.Equal([new("a", 2), new("b", 1), new("c", 0)], IndependentResultCheck.Options(body));
        Assert.Equal(Recount(server.DatabasePath, poll.Id), IndependentResultCheck.Options(body).Where(o => o.Value > 0).ToDictionary());
        var hashes = EntryHashes(server.DatabasePath, poll.Id);
        var log = Assert.Single(IndependentResultCheck.Logs(body));
        Assert.Equal("0.0", log.Log);
        Assert.Equal(hashes.Count, log.Size);
        Assert.Equal(6, log.Size); // created, opened, three votes, closed: the close is in the log it seals
        Assert.Equal(IndependentResultCheck.Root(hashes), log.Root);
        Assert.Equal(result.SignedAt.ToUnixTimeMilliseconds(), IndependentResultCheck.Field(body, "time"));
        Assert.Equal(result.Statement, StoredStatement(server.DatabasePath, poll.Id));

        // The public results say final; the admin view says signed.
        Assert.True((await Api.ResultsWhenAsync(client, poll.Id, r => r.Final)).Final);
        Assert.Equal("signed", (await admin.GetFromJsonAsync($"/v1/polls/{poll.Id}", ContractsJsonContext.Default.PollDto))!.ResultStatus);
    }

    [Fact]
    public async Task TallyChangedInTheDatabaseBeforeClose_IsRefusedNamingTheFigures_AndTheRetryAfterTheFixSigns()
    {
        await using var server = new LiveVoteServer();
        var admin = server.AdminClient();
        var client = server.Client();
        var poll = await Api.CreateOpenPollAsync(admin, "a", "b");
        await VoteAsync(admin, poll.Id, "a", "a", "a", "b");
        Execute(server.DatabasePath, $"UPDATE tallies SET count = count + 5 WHERE poll_id = '{poll.Id}' AND option_id = 'a'");

        var closed = await CloseAsync(admin, poll.Id);

        Assert.Equal("closed", closed.Status);
        Assert.Equal("refused", closed.ResultStatus);
        Assert.Contains("partition 0, option 'a': 3 vote rows, tally 8, 3 vote audit entries", closed.ResultProblem, StringComparison.Ordinal);
        var notFinal = await ProblemAssert.IsAsync(await client.GetAsync($"/v1/polls/{poll.Id}/result"), HttpStatusCode.NotFound, ErrorCodes.ResultNotFinal);
        Assert.Contains("tally 8", notFinal.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Null(StoredStatement(server.DatabasePath, poll.Id));
        var results = await Api.ResultsWhenAsync(client, poll.Id, r => r.Status == "closed");
        Assert.False(results.Final);
        var listed = Assert.Single((await Api.PollsAsync(admin)).Polls, p => p.Id == poll.Id);
        Assert.Equal("refused", listed.ResultStatus);

        // The sweeper leaves a refusal alone: it stands until the producer asks again.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.Equal("refused", (await admin.GetFromJsonAsync($"/v1/polls/{poll.Id}", ContractsJsonContext.Default.PollDto))!.ResultStatus);

        // Still wrong: refused again, with the same figures.
        var again = await SignAsync(admin, poll.Id);
        Assert.Equal("refused", again.ResultStatus);
        Assert.Contains("tally 8", again.ResultProblem, StringComparison.Ordinal);

        // Fixed in the database: the producer's press signs it.
        Execute(server.DatabasePath, $"UPDATE tallies SET count = 3 WHERE poll_id = '{poll.Id}' AND option_id = 'a'");
        var signed = await SignAsync(admin, poll.Id);
        Assert.Equal("signed", signed.ResultStatus);
        Assert.Null(signed.ResultProblem);
        var result = await ResultAsync(client, poll.Id);
        Assert.Equal(4, result.Total);
        var body = IndependentResultCheck.VerifiedBody(result.Statement, LiveVoteServer.AuditSigningKey, Origin);
        Assert.Equal([new("a", 3), new("b", 1)], IndependentResultCheck.Options(body));
        Assert.True((await Api.ResultsWhenAsync(client, poll.Id, r => r.Final)).Final);
    }

    [Fact]
    public async Task VoteRowDeletedBehindTheWritersBack_IsRefused_NamingVoteRowsAndAuditEntries()
    {
        await using var server = new LiveVoteServer();
        var admin = server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin, "a", "b");
        await VoteAsync(admin, poll.Id, "a", "b", "b");
        Execute(server.DatabasePath, $"DELETE FROM votes WHERE seq = (SELECT max(seq) FROM votes WHERE poll_id = '{poll.Id}' AND option_id = 'b')");

        var closed = await CloseAsync(admin, poll.Id);

        Assert.Equal("refused", closed.ResultStatus);
        Assert.Contains("option 'b': 1 vote rows, tally 2, 2 vote audit entries", closed.ResultProblem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignResult_OfAnOpenPoll_IsAConflict_AndBadOrUnknownIdsAreClientErrors()
    {
        await using var server = new LiveVoteServer();
        var admin = server.AdminClient();
        var poll = await Api.CreateOpenPollAsync(admin, "a", "b");

        await ProblemAssert.IsAsync(await admin.PostAsync($"/v1/polls/{poll.Id}/result", null), HttpStatusCode.Conflict, ErrorCodes.InvalidTransition);
        await ProblemAssert.IsAsync(await admin.PostAsync("/v1/polls/no-such-poll/result", null), HttpStatusCode.NotFound, ErrorCodes.PollNotFound);
        await ProblemAssert.IsAsync(await admin.PostAsync("/v1/polls/BAD%20ID/result", null), HttpStatusCode.BadRequest, ErrorCodes.InvalidPollId);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Client().PostAsync($"/v1/polls/{poll.Id}/result", null)).StatusCode);
        await ProblemAssert.IsAsync(await server.Client().GetAsync($"/v1/polls/{poll.Id}/result"), HttpStatusCode.NotFound, ErrorCodes.ResultNotFinal);
        Assert.Null((await server.Client().GetFromJsonAsync($"/v1/polls/{poll.Id}", ContractsJsonContext.Default.PollDto))!.ResultStatus);
    }

    private static async Task VoteAsync(HttpClient admin, string pollId, params string[] options)
    {
        foreach (var option in options)
        {
            var viewer = await Api.RegisterAsync(admin);
            using var response = await Api.VoteAsync(admin, pollId, viewer.Token, option);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }
    }

    internal static async Task<PollDto> CloseAsync(HttpClient admin, string pollId)
    {
        using var response = await Api.ClosePollAsync(admin, pollId);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PollDto))!;
    }

    internal static async Task<PollDto> SignAsync(HttpClient admin, string pollId)
    {
        using var response = await admin.PostAsync($"/v1/polls/{pollId}/result", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PollDto))!;
    }

    internal static async Task<PollResultDto> ResultAsync(HttpClient client, string pollId)
    {
        using var response = await client.GetAsync($"/v1/polls/{pollId}/result");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PollResultDto))!;
    }

    private static Dictionary<string, long> Recount(string path, string pollId)
    {
        using var connection = StoreFile.OpenReadOnly(path);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT option_id, count(*) FROM votes WHERE poll_id = $poll GROUP BY option_id";
        command.Parameters.AddWithValue("$poll", pollId);
        using var reader = command.ExecuteReader();
        var counts = new Dictionary<string, long>();
        while (reader.Read())
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }

        return counts;
    }

    private static List<byte[]> EntryHashes(string path, string pollId)
    {
        using var connection = StoreFile.OpenReadOnly(path);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT hash FROM audit WHERE poll_id = $poll ORDER BY seq";
        command.Parameters.AddWithValue("$poll", pollId);
        using var reader = command.ExecuteReader();
        var hashes = new List<byte[]>();
        while (reader.Read())
        {
            hashes.Add((byte[])reader.GetValue(0));
        }

        return hashes;
    }

    private static string? StoredStatement(string path, string pollId)
    {
        using var connection = StoreFile.OpenReadOnly(path);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT statement FROM poll_results WHERE poll_id = $poll";
        command.Parameters.AddWithValue("$poll", pollId);
        return command.ExecuteScalar() as string;
    }

    /// <summary>A change made in the database behind the writer's back (the writer keeps running).</summary>
    internal static void Execute(string path, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        Assert.True(command.ExecuteNonQuery() > 0, $"changed nothing: {sql}");
    }
}
