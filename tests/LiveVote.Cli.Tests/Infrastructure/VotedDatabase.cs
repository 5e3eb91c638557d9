using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using LiveVote.Contracts;
using LiveVote.Server.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace LiveVote.Cli.Tests.Infrastructure;

/// <summary>A vote the real server accepted: its audit seq (voteId) and receipt.</summary>
public sealed record AcceptedVote(string PollId, string OptionId, long Seq, string Receipt);

/// <summary>
/// A database written by the real server through its public API: three polls (one open, one closed, one left as a
/// draft with a non-ASCII title), accepted votes, plus a repeated identical vote, a changed vote and a vote after the
/// close that the server must not have stored, and last an admin-key lockout (an audit note). The server is disposed
/// before the tests run, so the file is closed.
/// Each test works on its own copy (<see cref="Copy"/>), since many of them tamper with it.
/// </summary>
public sealed class VotedDatabase : IAsyncLifetime
{
    public const string DraftTitle = "Qui gagne ? Été 🎉";

    private readonly List<AcceptedVote> _accepted = [];

    private readonly DatabaseCopies _copies;

    public VotedDatabase() => _copies = new DatabaseCopies(Directory, "livevote-cli-copy");

    public string Directory { get; } = TempDirectory.Create("livevote-cli-db");

    public string OpenPollId { get; private set; } = "";

    public string ClosedPollId { get; private set; } = "";

    public string DraftPollId { get; private set; } = "";

    public IReadOnlyList<AcceptedVote> Accepted => _accepted;

    /// <summary>Audit entries written: 3 poll-created, 2 poll-opened, 1 poll-closed, one per accepted vote, 1 admin-lockout.</summary>
    public long ExpectedEntries => 3 + 2 + 1 + _accepted.Count + 1;

    /// <summary>Totals the results API showed before the server stopped, per poll and option.</summary>
    public Dictionary<string, IReadOnlyDictionary<string, long>> ServerTotals { get; } = [];

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?> { ["LiveVote:RateLimits:AdminFailuresBeforeLockout"] = "3" };
        await using (var server = new LiveVoteServer(settings, dataDirectory: Directory))
        {
            var admin = server.AdminClient();
            var client = server.Client();
            OpenPollId = (await Api.CreateOpenPollAsync(admin, "a", "b", "c")).Id;
            ClosedPollId = (await Api.CreateOpenPollAsync(admin, "yes", "no")).Id;
            DraftPollId = (await Api.CreatePollAsync(admin, DraftTitle, "x", "y")).Id;
            var viewers = new List<RegisterViewerResponse>();
            for (var i = 0; i < 5; i++)
            {
                viewers.Add(await Api.RegisterAsync(admin));
            }

            foreach (var (viewer, option) in new[] { (0, "a"), (1, "b"), (2, "b"), (3, "c"), (4, "b") })
            {
                await CastAsync(client, OpenPollId, viewers[viewer].Token, option, HttpStatusCode.Created);
            }

            foreach (var (viewer, option) in new[] { (0, "yes"), (1, "no"), (2, "yes") })
            {
                await CastAsync(client, ClosedPollId, viewers[viewer].Token, option, HttpStatusCode.Created);
            }

            // Refused or idempotent: none of these may add a vote.
            await CastAsync(client, OpenPollId, viewers[1].Token, "b", HttpStatusCode.OK);
            await CastAsync(client, OpenPollId, viewers[0].Token, "c", HttpStatusCode.Conflict);
            (await admin.PostAsync($"/v1/polls/{ClosedPollId}/close", null)).EnsureSuccessStatusCode();
            await CastAsync(client, ClosedPollId, viewers[3].Token, "yes", HttpStatusCode.Conflict);

            foreach (var pollId in new[] { OpenPollId, ClosedPollId })
            {
                var expected = _accepted.Count(v => v.PollId == pollId);
                ServerTotals[pollId] = (await Api.ResultsWhenAsync(client, pollId, r => r.Total == expected)).Totals;
            }

            // Last, as it locks this (loopback) network out of admin requests: wrong admin keys until the lockout,
            // which the server notes in the audit chain.
            await LockOutAdminAsync(server);
        }

        // The server's pooled read connections would keep the file open after it stopped.
        SqliteConnection.ClearAllPools();
    }

    public Task DisposeAsync()
    {
        _copies.DeleteAll();
        return Task.CompletedTask;
    }

    /// <summary>Copies the database to a fresh folder for one test to tamper with; returns the copy's path.</summary>
    public string Copy() => _copies.Copy();

    /// <summary>Expected recount of one poll per option, from the votes the server acknowledged.</summary>
    public long CountOf(string pollId, string optionId) => _accepted.Count(v => v.PollId == pollId && v.OptionId == optionId);

    private async Task LockOutAdminAsync(LiveVoteServer server)
    {
        var guesser = server.Client();
        guesser.DefaultRequestHeaders.Add("X-Admin-Key", "wrong-admin-key-0123456789");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            statuses.Add((await guesser.GetAsync("/v1/polls")).StatusCode);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);

        // The note is written by the batch writer after the answer: wait (generously) until it is durable.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (CountStored("admin-lockout") == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(1, CountStored("admin-lockout"));
    }

    private long CountStored(string kind)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(Directory, "livevote.db"),
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM audit WHERE kind = $kind";
        command.Parameters.AddWithValue("$kind", kind);
        return (long)command.ExecuteScalar()!;
    }

    private async Task CastAsync(HttpClient client, string pollId, string token, string optionId, HttpStatusCode expected)
    {
        var response = await Api.VoteAsync(client, pollId, token, optionId);
        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.Created)
        {
            var vote = (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.VoteResponse))!;
            _accepted.Add(new AcceptedVote(pollId, optionId, long.Parse(vote.VoteId, CultureInfo.InvariantCulture), vote.Receipt));
        }
    }
}
